"""``predict``'s image files, converted to rows of a model's input.

An image file is converted by :func:`skfashion.datasets.read_image` to the
size of the images the model was trained on.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ._common import CommandError, one_line

__all__ = ["image_row"]


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
        return read_image(path, shape=image_shape)
    except (OSError, DecompressionBombError) as exc:
        raise CommandError(
            f"{path} is not an image that can be read (PNG or JPEG) nor an IDX "
            f"file: {one_line(exc)}"
        ) from None
