"""skfashion: neural-network clothing classifiers as scikit-learn estimators."""

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from .datasets import fetch_fashion_mnist, read_idx, write_idx
from .preprocessing import MinMax255

if TYPE_CHECKING:
    from . import callbacks, plotting
    from ._layer_transformer import LayerTransformer
    from ._saving import load_model, save_model
    from ._training import run_training
    from .classifiers import ANNClassifier, CNNClassifier

try:
    __version__ = version("skfashion")
except PackageNotFoundError:  # running from a source tree that is not installed
    __version__ = "0+unknown"

__all__ = [
    "ANNClassifier",
    "CNNClassifier",
    "LayerTransformer",
    "MinMax255",
    "__version__",
    "callbacks",
    "fetch_fashion_mnist",
    "load_model",
    "plotting",
    "read_idx",
    "run_training",
    "save_model",
    "write_idx",
]

# Importing TensorFlow takes seconds. These names import it on first use
# (PEP 562), so loading data, scaling pixels and the command line's help
# start at once. name -> the module that defines it (None: a submodule).
_LAZY = {
    "ANNClassifier": ".classifiers",
    "CNNClassifier": ".classifiers",
    "LayerTransformer": "._layer_transformer",
    "callbacks": None,
    "load_model": "._saving",
    "plotting": None,
    "run_training": "._training",
    "save_model": "._saving",
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module = importlib.import_module(_LAZY[name] or f".{name}", __name__)
    value = module if _LAZY[name] is None else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
