"""Saving a fitted classifier to a folder, and loading it without running code.

A saved model is a folder of two files:

``model.keras``
    The trained network, in Keras' own format. It is loaded with
    ``safe_mode=True``, so a file holding Python code (a ``Lambda`` layer's
    bytecode) is refused, and ``compile=False``: the optimizer is not needed
    to predict.
``estimator.json``
    Plain JSON: the estimator's class (one of :data:`ESTIMATORS`), its
    parameters, the fitted attributes that ``predict`` needs besides the
    network (``classes_``, ``n_features_in_``, ``image_shape_``), its
    training history and the library versions. A Pipeline
    ``MinMax255 -> classifier`` is saved with its scaler's parameters
    under ``"preprocessing"`` and loaded back as the same Pipeline.

Nothing is unpickled: a loaded folder can give wrong predictions at worst,
never run code. Parameters that JSON cannot hold faithfully (an optimizer
instance, a RandomState, a dict of class weights) are recorded as text
under ``"params_not_saved"`` and left at their defaults when loading: they
only matter for training, not for predicting.
"""

from __future__ import annotations

import json
import os
import platform
import warnings
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.validation import check_is_fitted

from .classifiers import ANNClassifier, CNNClassifier
from .preprocessing import MinMax255

__all__ = [
    "ESTIMATORS",
    "json_params",
    "library_versions",
    "load_run_model",
    "save_run_model",
]

MODEL_FILE = "model.keras"
METADATA_FILE = "estimator.json"
FORMAT_VERSION = 1

#: The classes a saved folder may name; nothing else is ever instantiated.
ESTIMATORS = {cls.__name__: cls for cls in (ANNClassifier, CNNClassifier)}

_SCALER_DTYPES = {"float32": np.float32, "float64": np.float64}


def save_run_model(estimator, folder: str | os.PathLike) -> Path:
    """Save a fitted classifier (or ``MinMax255 -> classifier``) into ``folder``.

    Parameters
    ----------
    estimator : ANNClassifier, CNNClassifier or Pipeline
        A fitted skfashion classifier, or a fitted Pipeline of a
        :class:`~skfashion.MinMax255` followed by one.
    folder : str or path-like
        The folder to write ``model.keras`` and ``estimator.json`` into;
        created if needed. Files of an earlier save are overwritten.

    Returns
    -------
    folder : Path
        The folder.

    Raises
    ------
    TypeError
        If ``estimator`` is not one of the above.
    sklearn.exceptions.NotFittedError
        If it is not fitted.
    """
    scaler, classifier = _split(estimator)
    check_is_fitted(classifier)
    params, not_saved = json_params(classifier.get_params(deep=False))
    metadata = {
        "format": FORMAT_VERSION,
        "estimator": type(classifier).__name__,
        "preprocessing": None if scaler is None else _scaler_metadata(scaler),
        "params": params,
        "params_not_saved": not_saved,
        "classes": classifier.classes_.tolist(),
        "classes_dtype": classifier.classes_.dtype.str,
        "n_features_in": int(classifier.n_features_in_),
        "image_shape": _list_or_none(getattr(classifier, "image_shape_", None)),
        # JSON has no NaN: a diverged loss is saved as null.
        "history": {
            key: [float(v) if np.isfinite(v) else None for v in values]
            for key, values in getattr(classifier, "history_", {}).items()
        },
        "versions": library_versions(),
    }
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Keras converts each weight with np.array(variable), which NumPy 2
        # warns about once per weight; the saved values are right.
        warnings.filterwarnings(
            "ignore", "__array__ implementation", DeprecationWarning
        )
        classifier.model_.save(folder / MODEL_FILE)
    text = json.dumps(metadata, indent=2, allow_nan=False)
    (folder / METADATA_FILE).write_text(text + "\n", encoding="utf-8")
    return folder


def load_run_model(folder: str | os.PathLike):
    """Load what :func:`save_run_model` saved, without executing any code.

    Parameters
    ----------
    folder : str or path-like
        A folder holding ``model.keras`` and ``estimator.json``.

    Returns
    -------
    estimator : ANNClassifier, CNNClassifier or Pipeline
        The fitted classifier, or the Pipeline ``MinMax255 -> classifier``
        if that is what was saved. Its ``predict``, ``predict_proba`` and
        ``score`` give what the saved one gave; ``history_`` is restored too.

    Raises
    ------
    FileNotFoundError
        If the folder does not hold both files.
    ValueError
        If a file is not what :func:`save_run_model` writes, or the network
        cannot be loaded in safe mode.
    """
    import keras

    folder = Path(folder)
    missing = [
        name for name in (MODEL_FILE, METADATA_FILE) if not (folder / name).is_file()
    ]
    if missing:
        what = "does not exist" if not folder.is_dir() else f"has no {missing[0]}"
        raise FileNotFoundError(
            f"{folder} {what}: a saved model is a folder holding {MODEL_FILE} and "
            f"{METADATA_FILE}, as `skfashion train` writes them."
        )
    metadata = _read_metadata(folder / METADATA_FILE)
    classifier = ESTIMATORS[metadata["estimator"]]()
    try:
        params = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in metadata["params"].items()
        }
        classifier.set_params(**params)
        classes = np.asarray(
            metadata["classes"], dtype=np.dtype(metadata["classes_dtype"])
        )
        n_features = int(metadata["n_features_in"])
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise ValueError(f"{folder / METADATA_FILE} is damaged: {exc}") from None
    try:
        model = keras.saving.load_model(
            folder / MODEL_FILE, compile=False, safe_mode=True
        )
    except Exception as exc:  # Keras raises many kinds for a bad file
        raise ValueError(
            f"{folder / MODEL_FILE} could not be loaded safely: {_first_line(exc)}"
        ) from None
    n_outputs = model.output_shape[-1]
    if model.input_shape[-1] != n_features or n_outputs != len(classes):
        raise ValueError(
            f"{folder / MODEL_FILE} takes {model.input_shape[-1]} features and "
            f"gives {n_outputs} classes, but {METADATA_FILE} says "
            f"{n_features} and {len(classes)}: the files do not belong together."
        )
    _set_fitted(classifier, model, classes, n_features, metadata)
    if metadata["preprocessing"] is None:
        return classifier
    return make_pipeline(_scaler(metadata), classifier)


def library_versions() -> dict[str, str]:
    """The versions of Python, skfashion and the libraries it runs on."""
    from importlib.metadata import PackageNotFoundError, version

    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions


_LIBRARIES = (
    "skfashion",
    "numpy",
    "scikit-learn",
    "scikeras",
    "keras",
    "tensorflow",
    "tensorboard",
    "matplotlib",
    "pillow",
)


# ----------------------------------------------------------------- saving
def _split(estimator):
    """(scaler or None, classifier) of a classifier or a 2-step Pipeline."""
    if isinstance(estimator, Pipeline):
        steps = [step for _, step in estimator.steps if step != "passthrough"]
        if len(steps) == 2 and isinstance(steps[0], MinMax255):
            scaler, classifier = steps
        else:
            raise TypeError(
                "Only a Pipeline of a MinMax255 followed by a skfashion "
                f"classifier can be saved, got {estimator!r}."
            )
    else:
        scaler, classifier = None, estimator
    if type(classifier).__name__ not in ESTIMATORS or not isinstance(
        classifier, tuple(ESTIMATORS.values())
    ):
        raise TypeError(
            f"Expected one of {', '.join(ESTIMATORS)}, got {type(classifier).__name__}."
        )
    return scaler, classifier


def _scaler_metadata(scaler: MinMax255) -> dict:
    dtype = np.dtype(scaler.dtype).name
    if dtype not in _SCALER_DTYPES:
        raise ValueError(f"MinMax255's dtype must be float32 or float64, got {dtype}.")
    return {"class": "MinMax255", "dtype": dtype, "clip": bool(scaler.clip)}


def json_params(params: dict) -> tuple[dict, dict]:
    """(the parameters JSON holds faithfully, {name: repr} of the others).

    ``callbacks`` are left out of both: they are runtime objects, never
    needed to predict.
    """
    saved, not_saved = {}, {}
    for name, value in sorted(params.items()):
        if name == "callbacks":
            continue
        plain = _plain(value)
        if plain is _UNSAVED:
            not_saved[name] = repr(value)
        else:
            saved[name] = plain
    return saved, not_saved


_UNSAVED = object()


def _plain(value):
    """``value`` as JSON (tuples become lists), or ``_UNSAVED``."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and np.isfinite(value):
        return float(value)
    if isinstance(value, tuple):  # lists would come back as tuples: not saved
        items = [_plain(item) for item in value]
        if all(item is not _UNSAVED and not isinstance(item, list) for item in items):
            return items
    return _UNSAVED


def _list_or_none(shape):
    return None if shape is None else [int(d) for d in shape]


# ---------------------------------------------------------------- loading
def _read_metadata(path: Path) -> dict:
    try:
        metadata = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    required = {
        "format": int,
        "estimator": str,
        "params": dict,
        "classes": list,
        "classes_dtype": str,
        "n_features_in": int,
    }
    if not isinstance(metadata, dict):
        raise ValueError(f"{path} does not hold a JSON object.")
    for key, kind in required.items():
        if not isinstance(metadata.get(key), kind):
            raise ValueError(
                f"{path} lacks {key!r} (a {kind.__name__}): it was not written "
                "by skfashion."
            )
    if metadata["format"] > FORMAT_VERSION:
        raise ValueError(
            f"{path} has format {metadata['format']}, newer than this skfashion "
            f"reads ({FORMAT_VERSION}); upgrade skfashion."
        )
    if metadata["estimator"] not in ESTIMATORS:
        raise ValueError(
            f"{path} names the estimator {metadata['estimator']!r}; only "
            f"{', '.join(ESTIMATORS)} are loaded."
        )
    if metadata.get("preprocessing") not in (None,) and not (
        isinstance(metadata["preprocessing"], dict)
        and metadata["preprocessing"].get("class") == "MinMax255"
        and metadata["preprocessing"].get("dtype") in _SCALER_DTYPES
    ):
        raise ValueError(
            f"{path} names the preprocessing {metadata['preprocessing']!r}; only "
            "MinMax255 (float32 or float64) is loaded."
        )
    metadata.setdefault("preprocessing", None)
    return metadata


def _scaler(metadata: dict) -> MinMax255:
    config = metadata["preprocessing"]
    return MinMax255(
        dtype=_SCALER_DTYPES[config["dtype"]], clip=bool(config.get("clip", False))
    )


def _set_fitted(classifier, model, classes, n_features: int, metadata: dict) -> None:
    """The fitted attributes ``fit`` sets that predicting reads."""
    from collections import defaultdict

    classifier.model_ = model
    classifier.n_features_in_ = n_features
    classifier.target_encoder_ = classifier.target_encoder.fit(classes)
    vars(classifier).update(classifier.target_encoder_.get_metadata())
    # scikeras' feature encoder (an identity) is fitted on one dummy row.
    classifier.feature_encoder_ = classifier.feature_encoder.fit(
        np.zeros((1, n_features), dtype=np.float32)
    )
    if metadata.get("image_shape") is not None:
        classifier.image_shape_ = tuple(int(d) for d in metadata["image_shape"])
    history = metadata.get("history") or {}
    classifier.history_ = defaultdict(
        list,
        {
            str(key): [np.nan if v is None else float(v) for v in values]
            for key, values in history.items()
        },
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
