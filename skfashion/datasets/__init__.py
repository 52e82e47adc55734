"""Loaders for Fashion-MNIST and readers and writers of the IDX format."""

from ._base import clear_data_home, get_data_home
from ._fashion_mnist import FASHION_MNIST_CLASSES, fetch_fashion_mnist
from ._idx import read_idx, write_idx

__all__ = [
    "FASHION_MNIST_CLASSES",
    "clear_data_home",
    "fetch_fashion_mnist",
    "get_data_home",
    "read_idx",
    "write_idx",
]
