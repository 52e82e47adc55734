"""skfashion: neural-network clothing classifiers as scikit-learn estimators."""

from importlib.metadata import PackageNotFoundError, version

from . import callbacks, plotting
from .classifiers import ANNClassifier, CNNClassifier
from .datasets import fetch_fashion_mnist, read_idx, write_idx
from .preprocessing import MinMax255

try:
    __version__ = version("skfashion")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "ANNClassifier",
    "CNNClassifier",
    "MinMax255",
    "__version__",
    "callbacks",
    "fetch_fashion_mnist",
    "plotting",
    "read_idx",
    "write_idx",
]
