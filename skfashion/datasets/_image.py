"""Pictures of clothes as Fashion-MNIST images: 28x28, light garment on dark.

Fashion-MNIST's images were made from product photos on white: trimmed to
the garment, shrunk to fit 28x28 (longest side 28 pixels, centered),
negated and converted to 8-bit grayscale. So its images show a light
garment on a black background, and a network trained on them expects that.
:func:`read_image` does the same to any PNG or JPEG file.
"""

from __future__ import annotations

import math
import os

import numpy as np

__all__ = ["read_image"]

# Fashion-MNIST's image side, in pixels.
SIDE = 28

# A pixel belongs to the background when it is within this many gray levels
# of the background's (5% of the range, as in Fashion-MNIST's conversion).
_BACKGROUND_TOLERANCE = 13

# A larger image is shrunk as it is read (a JPEG while it is decoded) to
# about this many pixels on its longest side, so that memory and time follow
# the 28x28 result rather than the file: a 10000x10000 photo took 2 GB and
# seconds. Smaller images are converted at their own size.
_WORKING_SIDE = 1024

# Modes whose pixels can take values above 255: Pillow's conversion to 8
# bits clips them, which turns a 16-bit image white. They are scaled instead.
_HIGH_BIT_DEPTH = ("I;16", "I;16L", "I;16B", "I;16N", "I")
_MAX_16_BIT = 65535


def read_image(
    path: str | os.PathLike, *, shape: tuple[int, ...] = (SIDE, SIDE)
) -> np.ndarray:
    """Read an image file as one row of pixels, converted as Fashion-MNIST's were.

    The steps:

    1. The file is opened with Pillow (PNG, JPEG and any format Pillow
       reads), turned upright if its EXIF data says it is rotated, and
       converted to 8-bit grayscale (or RGB, for ``shape`` of 3 channels);
       transparent parts become white, and 16-bit grayscale values are
       scaled to 8 bits (``value * 255 / 65535``, rounded). An image larger
       than 1024 pixels on its longest side is first shrunk by a whole
       factor to between 1024 and 2048 pixels (a JPEG while it is decoded),
       so that a huge photo costs little more than a small one.
    2. If its border is mostly light (the median of its outermost pixels is
       above 127), as in a photo of a garment on white, the image is
       inverted: Fashion-MNIST shows a light garment on a dark background.
    3. An image of exactly ``shape``'s height and width is kept as it is.
       Any other is trimmed to the garment (the rows and columns whose gray
       level differs from the background's by more than 5%), shrunk or
       enlarged to fit ``shape`` (28x28: its longest side 28 pixels),
       keeping its aspect ratio, and centered on a black canvas.

    Fashion-MNIST's images were also sharpened; that step is left out.

    Parameters
    ----------
    path : str or path-like
        The image file.
    shape : tuple of int, default=(28, 28)
        The (height, width) of the result, or (height, width, channels) with
        1 (grayscale) or 3 (RGB) channels: the images a model was trained on.

    Returns
    -------
    pixels : ndarray of shape (height * width * channels,) and dtype uint8
        The image's pixels, row by row (channels last), 0 (black) to 255
        (white); 784 for Fashion-MNIST's 28x28.

    Raises
    ------
    OSError
        If the file cannot be read; ``PIL.UnidentifiedImageError`` (an
        ``OSError``) if it is not an image Pillow knows.
    PIL.Image.DecompressionBombError
        If the image is larger than Pillow's safety limit (about 179
        million pixels).

    See Also
    --------
    read_idx : Read images stored in an IDX file.

    Examples
    --------
    A dark 60x30 garment on a white 200x100 photo becomes a light garment,
    28 pixels high, centered on black:

    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from PIL import Image
    >>> from skfashion.datasets import read_image
    >>> photo = np.full((100, 200), 250, dtype=np.uint8)
    >>> photo[20:80, 85:115] = 10
    >>> path = Path(tempfile.mkdtemp()) / "photo.png"
    >>> Image.fromarray(photo).save(path)
    >>> pixels = read_image(path)
    >>> pixels.shape, pixels.dtype
    ((784,), dtype('uint8'))
    >>> image = pixels.reshape(28, 28)
    >>> int(image[14, 14]), int(image[14, 0])
    (245, 0)
    """
    from PIL import Image, ImageOps

    height, width, channels = _checked_shape(shape)
    with Image.open(path) as image:
        # Upright, as a phone photo's EXIF orientation says it is shown (the
        # shrunk image keeps the EXIF data).
        image = _eight_bit_on_white(ImageOps.exif_transpose(_shrunk(image)))
        gray = np.asarray(image.convert("L"), dtype=np.uint8)
        pixels = gray if channels == 1 else np.asarray(image.convert("RGB"), np.uint8)
    if _border_is_light(gray):
        gray, pixels = 255 - gray, 255 - pixels
    if gray.shape != (height, width):
        rows, cols = _garment(gray)
        pixels = _fit(pixels[rows, cols], height, width)
    return pixels.reshape(-1)


def _checked_shape(shape) -> tuple[int, int, int]:
    """``shape`` as (height, width, channels), or a ValueError saying why not."""
    shape = tuple(shape)
    if len(shape) == 2:
        shape = (*shape, 1)
    if (
        len(shape) != 3
        or not all(isinstance(d, (int, np.integer)) and d > 0 for d in shape)
        or shape[2] not in (1, 3)
    ):
        raise ValueError(
            f"shape={shape!r} is not an image shape read_image makes: pass "
            "(height, width) or (height, width, channels) of positive ints, "
            "with 1 channel (grayscale) or 3 (RGB)."
        )
    return tuple(int(d) for d in shape)


def _shrunk(image):
    """``image``, or a copy shrunk to _WORKING_SIDE to 2 * _WORKING_SIDE pixels."""
    width, height = image.size
    longest = max(width, height)
    if longest <= _WORKING_SIDE:
        return image
    # A JPEG is decoded at 1/2, 1/4 or 1/8 of its size, at least the size
    # asked for; draft does nothing for other formats, decoded in full.
    scale = _WORKING_SIDE / longest
    image.draft(image.mode, (math.ceil(width * scale), math.ceil(height * scale)))
    # reduce() averages blocks of pixels: palette indices and bilevel pixels
    # cannot be averaged, nor 16-bit ones in Pillow's I;16 modes.
    if image.mode in ("P", "PA"):
        image = image.convert("RGBA")
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode.startswith("I;16"):
        image = image.convert("I")
    factor = max(image.size) // _WORKING_SIDE
    return image.reduce(factor) if factor > 1 else image


def _eight_bit_on_white(image):
    """8-bit pixels (gray or color); transparent pixels composited onto white."""
    from PIL import Image

    if image.mode in _HIGH_BIT_DEPTH:
        # Scaled, not clipped: Pillow's convert("L") makes every value above
        # 255 white. Values of a 32-bit "I" image are taken as 16-bit ones.
        values = np.asarray(image, dtype=np.float64)
        scaled = np.rint(np.clip(values, 0, _MAX_16_BIT) * (255 / _MAX_16_BIT))
        return Image.fromarray(scaled.astype(np.uint8))
    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image)
    return image


def _border(pixels: np.ndarray) -> np.ndarray:
    return np.concatenate([pixels[0], pixels[-1], pixels[1:-1, 0], pixels[1:-1, -1]])


def _border_is_light(pixels: np.ndarray) -> bool:
    return float(np.median(_border(pixels))) > 127


def _garment(gray: np.ndarray) -> tuple[slice, slice]:
    """The rows and columns of the smallest box holding every pixel unlike
    the background (all of them for a blank image)."""
    background = float(np.median(_border(gray)))
    mask = np.abs(gray.astype(np.int16) - background) > _BACKGROUND_TOLERANCE
    if not mask.any():  # a blank image: nothing to trim to
        return slice(None), slice(None)
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return slice(rows[0], rows[-1] + 1), slice(cols[0], cols[-1] + 1)


def _fit(pixels: np.ndarray, height: int, width: int) -> np.ndarray:
    """Scale ``pixels`` to fit height x width and center them on black."""
    from PIL import Image

    scale = min(height / pixels.shape[0], width / pixels.shape[1])
    size = (
        max(1, min(width, round(pixels.shape[1] * scale))),
        max(1, min(height, round(pixels.shape[0] * scale))),
    )
    resized = np.asarray(
        Image.fromarray(pixels).resize(size, Image.Resampling.LANCZOS), np.uint8
    )
    canvas = np.zeros((height, width, *pixels.shape[2:]), dtype=np.uint8)
    top, left = (height - size[1]) // 2, (width - size[0]) // 2
    canvas[top : top + size[1], left : left + size[0]] = resized
    return canvas
