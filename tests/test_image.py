"""read_image on images that are not plain 8-bit photos of a few hundred pixels.

16-bit grayscale is scaled to 8 bits, not clipped; a large image is shrunk
as it is read, so that what it costs follows the 28x28 result rather than
the file, and converts as its small version does. The conversion of small
8-bit images is tested with the command line that uses it (test_cli.py).
"""

import tracemalloc

import numpy as np
import pytest
from PIL import Image

from skfashion.datasets import read_image


def _garment(height: int, width: int) -> np.ndarray:
    """A dark coat-like shape (a body and two sleeves) on a light background."""
    photo = np.full((height, width), 240, np.uint8)
    photo[height // 8 : 7 * height // 8, 3 * width // 8 : 5 * width // 8] = 40
    photo[height // 8 : height // 2, width // 4 : 3 * width // 4] = 70
    return photo


# ------------------------------------------------------------------ 16 bits
def test_sixteen_bit_grayscale_is_scaled_not_clipped(tmp_path):
    # A light garment on black, 28x28 (kept as it is), in 16-bit values that
    # cover the whole range: Pillow's own conversion made all above 255 white.
    values = np.zeros((28, 28), np.uint16)
    values[4:24, 8:20] = np.linspace(300, 65535, 20 * 12).reshape(20, 12)
    values[0, 0] = 257  # 1 in 8 bits
    path = tmp_path / "gray16.png"
    Image.fromarray(values).save(path)
    with Image.open(path) as image:
        assert image.mode in ("I;16", "I")  # a real 16-bit PNG, as Pillow reads it
    expected = np.rint(values.astype(float) * 255 / 65535).astype(np.uint8)
    np.testing.assert_array_equal(read_image(path), expected.ravel())
    assert len(np.unique(read_image(path))) > 200  # not 0 and 255 only


def test_large_sixteen_bit_image_is_scaled_too(tmp_path):
    # Wider than 1024 pixels: shrunk (through Pillow's 32-bit mode) first.
    photo = _garment(300, 2100).astype(np.uint16) * 257  # 8-bit values, 16-bit scale
    Image.fromarray(photo).save(tmp_path / "gray16.png")
    Image.fromarray(_garment(300, 2100)).save(tmp_path / "gray8.png")
    sixteen = read_image(tmp_path / "gray16.png").astype(int)
    eight = read_image(tmp_path / "gray8.png").astype(int)
    assert eight.max() > 150  # a light garment...
    assert np.abs(sixteen - eight).max() <= 1  # ... the same in 16 bits


# --------------------------------------------------------------- large images
def _peak_of(function):
    tracemalloc.start()
    try:
        result = function()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.mark.parametrize("suffix", ["jpg", "png"])
def test_large_image_is_shrunk_as_it_is_read(tmp_path, suffix):
    # 4096x3072 pixels (12.6 million), the same garment as at 512x384:
    # converted alike, with less than 2 bytes per pixel of the file's image
    # ever held by NumPy (reading it in full took 17: its grayscale copy, a
    # 16-bit and two 64-bit ones to find the garment).
    small = Image.fromarray(_garment(384, 512)).convert("RGB")
    large = small.resize((4096, 3072), Image.Resampling.NEAREST)
    small.save(tmp_path / f"small.{suffix}", quality=95)
    large.save(tmp_path / f"large.{suffix}", quality=95)
    pixels, peak = _peak_of(lambda: read_image(tmp_path / f"large.{suffix}"))
    assert peak < 2 * 4096 * 3072, f"{peak} bytes traced"
    reference = read_image(tmp_path / f"small.{suffix}").astype(int)
    assert reference.max() > 150
    assert np.abs(pixels.astype(int) - reference).max() <= 12


@pytest.mark.parametrize("mode", ["P", "1", "RGBA", "LA"])
def test_large_images_of_other_modes(tmp_path, mode):
    # Palette and bilevel pixels cannot be averaged: converted before shrinking.
    image = Image.fromarray(_garment(400, 2400)).convert(mode)
    image.save(tmp_path / "large.png")
    reference = Image.fromarray(_garment(400, 2400)).convert(mode).convert("L")
    reference.save(tmp_path / "reference.png")
    pixels = read_image(tmp_path / "large.png").astype(int)
    assert pixels.max() > 150
    expected = read_image(tmp_path / "reference.png").astype(int)
    assert np.abs(pixels - expected).max() <= 2


def test_large_rotated_photo_is_turned_upright(tmp_path):
    # The EXIF orientation survives the shrinking: 6 means "rotate 90 degrees
    # clockwise to show".
    upright = Image.fromarray(_garment(2400, 600)).convert("RGB")
    upright.save(tmp_path / "upright.jpg", quality=95)
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # as the camera stored it
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(tmp_path / "rotated.jpg", quality=95, exif=exif.tobytes())
    rotated = read_image(tmp_path / "rotated.jpg").astype(int)
    reference = read_image(tmp_path / "upright.jpg").astype(int)
    assert np.abs(rotated - reference).max() <= 12
