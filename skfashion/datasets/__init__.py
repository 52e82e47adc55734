"""Fashion-MNIST (its loader and cache), IDX files, and images as Fashion-MNIST rows."""

from ._base import CacheWriteError, clear_data_home, get_data_home
from ._fashion_mnist import (
    FASHION_MNIST_CLASSES,
    FASHION_MNIST_MIRRORS,
    fetch_fashion_mnist,
    verify_fashion_mnist,
)
from ._idx import read_idx, read_idx_header, write_idx
from ._image import read_image

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_MIRRORS",
    "CacheWriteError",
    "clear_data_home",
    "fetch_fashion_mnist",
    "get_data_home",
    "read_idx",
    "read_idx_header",
    "read_image",
    "verify_fashion_mnist",
    "write_idx",
]
