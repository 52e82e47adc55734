"""``predict``'s image files, converted to rows of a model's input.

An image file is converted to the size of the images the model was
trained on. For Fashion-MNIST's 28x28 that is
:func:`skfashion.datasets.read_image`; for any other size,
:func:`image_row` takes the same steps (grayscale or color, inverted if
its border is light, trimmed, scaled to fit, centered on black), as
``read_image`` converts to 28x28 only.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._common import CommandError, one_line

__all__ = ["image_row"]

# Fashion-MNIST's images: what read_image converts to.
_FASHION_SHAPE = (28, 28, 1)
# A pixel belongs to the background when it is within this many gray levels
# of the border's median (5% of the range, as read_image and Fashion-MNIST).
_BACKGROUND_TOLERANCE = 13


def image_row(path: Path, image_shape) -> np.ndarray:
    """An image file as one row of a model's input: (h * w * c,) uint8."""
    from PIL.Image import DecompressionBombError

    from skfashion.datasets import read_image

    if image_shape is None:
        raise CommandError(
            f"{path}: this model takes rows of pixels whose image shape was not "
            "recorded, so an image file cannot be converted for it; pass an IDX "
            "file of its rows instead."
        )
    if image_shape[2] not in (1, 3):
        raise CommandError(
            f"{path}: this model takes images of {image_shape[2]} channels, which "
            "no image file converts to; pass an IDX file of its images instead."
        )
    try:
        if tuple(image_shape) == _FASHION_SHAPE:
            return read_image(path)
        return _convert(path, *image_shape).reshape(-1)
    except (OSError, DecompressionBombError) as exc:
        raise CommandError(
            f"{path} is not an image that can be read (PNG or JPEG) nor an IDX "
            f"file: {one_line(exc)}"
        ) from None


def _convert(path: Path, height: int, width: int, channels: int) -> np.ndarray:
    """read_image's steps, to ``height`` x ``width`` x ``channels`` pixels."""
    from PIL import Image, ImageOps

    with Image.open(path) as image:
        # Upright, as a phone photo's EXIF orientation says it is shown.
        image = _on_white(ImageOps.exif_transpose(image))
        gray = np.asarray(image.convert("L"), dtype=np.uint8)
        pixels = np.asarray(image.convert("L" if channels == 1 else "RGB"), np.uint8)
    border = np.concatenate([gray[0], gray[-1], gray[1:-1, 0], gray[1:-1, -1]])
    if float(np.median(border)) > 127:  # a garment on white: light on dark
        gray, pixels, border = 255 - gray, 255 - pixels, 255 - border
    if gray.shape != (height, width):
        # Trim to what differs from the background, fit, center on black.
        mask = np.abs(gray.astype(np.int16) - float(np.median(border)))
        mask = mask > _BACKGROUND_TOLERANCE
        if mask.any():
            rows, cols = np.flatnonzero(mask.any(axis=1)), np.flatnonzero(mask.any(0))
            pixels = pixels[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
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
        pixels = canvas
    return pixels


def _on_white(image):
    """The image with its transparent parts composited onto white."""
    from PIL import Image

    if image.mode == "P":
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info:
        image = image.convert("RGBA")
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        return Image.alpha_composite(white, image).convert("RGB")
    return image
