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
    training history, the library versions and the SHA-256 of the
    ``model.keras`` it was saved with. A Pipeline ``MinMax255 ->
    classifier`` is saved with its scaler's parameters under
    ``"preprocessing"`` and loaded back as the same Pipeline.

Nothing is unpickled: a loaded folder can give wrong predictions at worst,
never run code. Parameters that JSON cannot hold faithfully (an optimizer
instance, a RandomState, a dict of class weights) are recorded as text
under ``"params_not_saved"`` and left at their defaults when loading: they
only matter for training, not for predicting.

Before Keras reads the weights, :func:`load_model` checks ``model.keras``
from its zip directory and its ``config.json`` alone: Keras reads the
weights member whole into memory, and guards only members above 4 GiB, so a
folder of 1 MB could make it hold gigabytes.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import warnings
import zipfile
from numbers import Integral
from pathlib import Path

import numpy as np
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.utils.validation import check_is_fitted

from ._estimator import from_fitted
from ._param_validation import Interval, validate_params
from ._run_folder import METADATA_FILE, MODEL_FILE
from .classifiers import ANNClassifier, CNNClassifier
from .preprocessing import MinMax255
from .utils import library_versions

__all__ = [
    "ESTIMATORS",
    "METADATA_FILE",
    "MODEL_FILE",
    "json_params",
    "load_model",
    "save_model",
]

#: The version of the folder's format that this skfashion writes and reads.
FORMAT_VERSION = 1

#: The classes a saved folder may name; nothing else is ever instantiated.
ESTIMATORS = {cls.__name__: cls for cls in (ANNClassifier, CNNClassifier)}

_SCALER_DTYPES = {"float32": np.float32, "float64": np.float64}

# load_model's default bound on what a saved network may make it allocate.
_MAX_BYTES = 1 << 30
# What Keras writes into a .keras file, uncompressed; model.weights.h5 holds
# the weights and the optimizer's state (AdamW: two values per weight).
_CONFIG, _WEIGHTS = "config.json", "model.weights.h5"
_ARCHIVE_MEMBERS = {_CONFIG, "metadata.json", _WEIGHTS}
# The weights file may hold the weights and up to 5 optimizer values per
# weight, plus HDF5's bookkeeping; anything larger is not what was saved.
_VALUES_PER_WEIGHT = 6
_WEIGHTS_OVERHEAD = 1 << 20
# A network's config.json and estimator.json take a few kilobytes.
_JSON_MAX_BYTES = 16 << 20


def save_model(estimator, path: str | os.PathLike) -> Path:
    """Save a fitted classifier, or ``MinMax255 -> classifier``, into a folder.

    The folder gets two files, which :func:`load_model` loads back without
    running any code: ``model.keras``, the network in Keras' own format, and
    ``estimator.json``, plain JSON with the estimator's class, parameters,
    classes, training history and the library versions. Nothing is
    pickled. It is the format ``skfashion train`` writes into each model's
    folder, so ``skfashion evaluate`` and ``skfashion predict`` use a
    folder saved from Python too.

    Parameters that JSON cannot hold faithfully (an optimizer instance, a
    ``RandomState``, a dict of class weights, the callbacks) are not saved;
    they only matter for training, and a loaded estimator has their
    defaults. The others, and a Pipeline's :class:`~skfashion.MinMax255`,
    come back as they were.

    Parameters
    ----------
    estimator : ANNClassifier, CNNClassifier or Pipeline
        A fitted :class:`~skfashion.ANNClassifier` or
        :class:`~skfashion.CNNClassifier`, or a fitted Pipeline of a
        :class:`~skfashion.MinMax255` followed by one of them.
    path : str or path-like
        The folder to write ``model.keras`` and ``estimator.json`` into;
        created if needed. The files of an earlier save there are replaced.

    Returns
    -------
    path : Path
        The folder.

    Raises
    ------
    TypeError
        If ``estimator`` is none of the above: another estimator, or a
        Pipeline with other steps.
    sklearn.exceptions.NotFittedError
        If the classifier is not fitted.

    See Also
    --------
    load_model : Load what this saved.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skfashion import ANNClassifier, MinMax255, load_model, save_model
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(40, 784), dtype=np.uint8)
    >>> y = np.arange(40) % 2
    >>> model = make_pipeline(
    ...     MinMax255(), ANNClassifier((8,), epochs=1, verbose=0, random_state=0)
    ... ).fit(X, y)
    >>> folder = save_model(model, tempfile.mkdtemp())
    >>> sorted(file.name for file in folder.iterdir())
    ['estimator.json', 'model.keras']
    >>> loaded = load_model(folder)
    >>> bool((loaded.predict_proba(X) == model.predict_proba(X)).all())
    True
    """
    scaler, classifier = _split(estimator)
    check_is_fitted(
        classifier,
        msg=(
            "This %(name)s is not fitted: call fit before save_model; only a "
            "trained network can be saved."
        ),
    )
    params, not_saved = json_params(classifier.get_params(deep=False))
    folder = Path(path)
    folder.mkdir(parents=True, exist_ok=True)
    with warnings.catch_warnings():
        # Keras converts each weight with np.array(variable), which NumPy 2
        # warns about once per weight; the saved values are right.
        warnings.filterwarnings(
            "ignore", "__array__ implementation", DeprecationWarning
        )
        classifier.model_.save(folder / MODEL_FILE)
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
        # Ties the two files together: load_model refuses a model.keras
        # from another save.
        "model_sha256": _sha256(folder / MODEL_FILE),
        "versions": library_versions(),
    }
    text = json.dumps(metadata, indent=2, allow_nan=False)
    (folder / METADATA_FILE).write_text(text + "\n", encoding="utf-8")
    return folder


@validate_params({"max_bytes": [Interval(Integral, 0, None, closed="left"), None]})
def load_model(path: str | os.PathLike, *, max_bytes: int | None = _MAX_BYTES):
    """Load what :func:`save_model` (or ``skfashion train``) saved.

    No code from the folder runs: the network is loaded with Keras'
    ``safe_mode=True`` (a ``Lambda`` layer's Python code is refused), and
    the estimator is made from plain JSON, only as one of skfashion's
    classifiers and :class:`~skfashion.MinMax255`.

    Before the weights are read, ``model.keras`` is checked from its zip
    directory and its network's config, so that a small file cannot make
    the loading take gigabytes: it must hold only what Keras writes there
    (``config.json``, ``metadata.json`` and ``model.weights.h5``, stored
    uncompressed), and its weights file may not be larger than 6 times the
    weights its network's config declares (the weights and an optimizer's
    state) plus 1 MiB.

    Parameters
    ----------
    path : str or path-like
        A folder holding ``model.keras`` and ``estimator.json``: one that
        :func:`save_model` wrote, or a model's folder of a ``skfashion
        train`` run (``<run>/ann`` or ``<run>/cnn``). The path of one of
        those two files stands for its folder.
    max_bytes : int or None, default=1_073_741_824
        The most memory, in bytes, the saved network may ask for (1 GiB by
        default): the weights its config declares, and the content of
        ``model.keras``. A network that asks for more is refused before any
        weight is read. Pass a larger value, or None for no limit, to load
        a network you trust that is that large.

    Returns
    -------
    estimator : ANNClassifier, CNNClassifier or Pipeline
        The fitted classifier, or the Pipeline ``MinMax255 -> classifier``
        if that is what was saved. Its ``predict``, ``predict_proba`` and
        ``score`` give what the saved one gave; ``history_`` is restored
        too. The parameters that were not saved have their defaults.

    Raises
    ------
    FileNotFoundError
        If the folder does not exist or lacks one of the two files.
    NotADirectoryError
        If ``path`` is a file other than ``model.keras`` or
        ``estimator.json``.
    ValueError
        If ``estimator.json`` is not valid JSON or not what
        :func:`save_model` writes, was written in a newer format than this
        skfashion reads, names an estimator other than skfashion's; if
        ``model.keras`` is not a Keras archive (damaged, cut short), holds
        weights out of proportion with its network or more than
        ``max_bytes``, or cannot be loaded in safe mode; or if the two
        files do not belong together (``model.keras`` of another save).

    See Also
    --------
    save_model : Save a fitted classifier or pipeline.

    Examples
    --------
    See :func:`save_model`.
    """
    import keras

    folder = _model_folder(Path(path))
    missing = [
        name for name in (MODEL_FILE, METADATA_FILE) if not (folder / name).is_file()
    ]
    if missing:
        what = "does not exist" if not folder.is_dir() else f"has no {missing[0]}"
        raise FileNotFoundError(
            f"{folder} {what}: a saved model is a folder holding {MODEL_FILE} and "
            f"{METADATA_FILE}, as skfashion.save_model and `skfashion train` "
            "write them."
        )
    metadata = _read_metadata(folder / METADATA_FILE)
    _check_archive(folder / MODEL_FILE, max_bytes)
    expected_sha256 = metadata.get("model_sha256")
    if expected_sha256 is not None and _sha256(folder / MODEL_FILE) != expected_sha256:
        raise ValueError(
            f"{folder / MODEL_FILE} is not the network saved with "
            f"{folder / METADATA_FILE} (its SHA-256 differs): the files do not "
            "belong together. Save the model again with skfashion.save_model."
        )
    try:
        params = {
            key: tuple(value) if isinstance(value, list) else value
            for key, value in metadata["params"].items()
        }
        classes = np.asarray(
            metadata["classes"], dtype=np.dtype(metadata["classes_dtype"])
        )
        n_features = int(metadata["n_features_in"])
        history = {
            str(key): [np.nan if v is None else float(v) for v in values]
            for key, values in (metadata.get("history") or {}).items()
        }
        image_shape = metadata.get("image_shape")
        image_shape = None if image_shape is None else tuple(image_shape)
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
    # A folder without a checksum (saved before there was one) still gets
    # this check; it cannot tell two networks of the same shapes apart.
    n_outputs = model.output_shape[-1]
    if model.input_shape[-1] != n_features or n_outputs != len(classes):
        raise ValueError(
            f"{folder / MODEL_FILE} takes {model.input_shape[-1]} features and "
            f"gives {n_outputs} classes, but {METADATA_FILE} says "
            f"{n_features} and {len(classes)}: the files do not belong together."
        )
    try:
        classifier = from_fitted(
            ESTIMATORS[metadata["estimator"]],
            model,
            classes=classes,
            n_features_in=n_features,
            image_shape=image_shape,
            history=history,
            params=params,
        )
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{folder / METADATA_FILE} is damaged: {exc}") from None
    if metadata["preprocessing"] is None:
        return classifier
    return make_pipeline(_scaler(metadata), classifier)


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


# ----------------------------------------------------------------- saving
def _split(estimator):
    """(scaler or None, classifier) of a classifier or a 2-step Pipeline."""
    if isinstance(estimator, Pipeline):
        steps = [
            step for _, step in estimator.steps if step not in (None, "passthrough")
        ]
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
            f"Expected one of {', '.join(ESTIMATORS)} (or a Pipeline of a "
            f"MinMax255 followed by one), got {type(classifier).__name__}."
        )
    return scaler, classifier


def _scaler_metadata(scaler: MinMax255) -> dict:
    dtype = np.dtype(scaler.dtype).name
    if dtype not in _SCALER_DTYPES:
        raise ValueError(f"MinMax255's dtype must be float32 or float64, got {dtype}.")
    # The largest value it was fitted on, above 1 for pixels: loaded, it
    # still refuses data scaled already (an unfitted one cannot tell).
    data_max = getattr(scaler, "data_max_", None)
    return {
        "class": "MinMax255",
        "dtype": dtype,
        "clip": bool(scaler.clip),
        "data_max": None if data_max is None else float(data_max),
    }


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


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- loading
def _model_folder(path: Path) -> Path:
    """The folder ``path`` names: itself, or the folder of one of its files."""
    if not path.is_file():
        return path
    if path.name in (MODEL_FILE, METADATA_FILE):
        return path.parent
    raise NotADirectoryError(
        f"{path} is a file, not a saved model: pass the folder that holds "
        f"{MODEL_FILE} and {METADATA_FILE}, as skfashion.save_model and "
        "`skfashion train` write them."
    )


def _check_archive(path: Path, max_bytes: int | None) -> None:
    """Refuse a model.keras that is no Keras archive or would expand too far.

    Only the zip's directory and the network's config are read. Keras reads
    the weights member whole into memory: its size must be in proportion
    with the weights the config declares, and within ``max_bytes``. Keras
    stores the members uncompressed; a compressed one is refused, since
    Python's zipfile decompresses up to 2 GiB of a member before it checks
    the size the member declares.
    """
    damaged = (
        "The file is damaged or incomplete, or is not a network saved by "
        "skfashion.save_model; save the model again."
    )
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            names = sorted(info.filename for info in members)
            if len(set(names)) != len(names) or not (
                {_CONFIG, _WEIGHTS} <= set(names) <= _ARCHIVE_MEMBERS
            ):
                raise ValueError(
                    f"{path} holds {names}, where Keras writes {_CONFIG}, "
                    f"metadata.json and {_WEIGHTS}. {damaged}"
                )
            methods = {info.filename: info.compress_type for info in members}
            if methods[_CONFIG] not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise ValueError(
                    f"{path} has a {_CONFIG} compressed with bzip2 or LZMA, which "
                    f"Keras does not write. {damaged}"
                )
            # Read in bounded steps, even if deflated (bzip2 or LZMA are not).
            with archive.open(_CONFIG) as stream:
                text = stream.read(_JSON_MAX_BYTES + 1)
    # What zipfile raises for a damaged, cut or encrypted archive.
    except (zipfile.BadZipFile, EOFError, NotImplementedError, RuntimeError) as exc:
        raise ValueError(
            f"{path} is not a Keras model archive (a zip file): {exc}. {damaged}"
        ) from None
    if len(text) > _JSON_MAX_BYTES:
        raise ValueError(
            f"{path}: its {_CONFIG} is larger than {_JSON_MAX_BYTES} bytes, "
            f"where a network's config takes a few kilobytes. {damaged}"
        )
    needed = _weights_bytes(path, text)
    # A stored member takes its size on disk; the larger size bounds a lie.
    size = {info.filename: max(info.file_size, info.compress_size) for info in members}
    allowed = _VALUES_PER_WEIGHT * needed + _WEIGHTS_OVERHEAD
    if size[_WEIGHTS] > allowed:
        raise ValueError(
            f"{path} declares {size[_WEIGHTS]} bytes of weights ({_WEIGHTS}), "
            "out of proportion with its network, whose config declares "
            f"{needed} bytes of weights (at most {allowed} would be saved with "
            f"an optimizer's state); the weights were not read. {damaged}"
        )
    asked = max(needed, sum(size.values()))
    if max_bytes is not None and asked > max_bytes:
        raise ValueError(
            f"{path} holds a network that needs {asked} bytes to load, more "
            f"than max_bytes={max_bytes}; the weights were not read. If you "
            "trust this model, pass a larger max_bytes to load_model (None for "
            "no limit)."
        )
    compressed = [name for name, kind in methods.items() if kind != zipfile.ZIP_STORED]
    if compressed:
        raise ValueError(
            f"{path} holds compressed members ({', '.join(compressed)}), which "
            "can expand beyond the sizes they declare; Keras stores them "
            f"uncompressed. {damaged}"
        )


def _weights_bytes(path: Path, config_text: bytes) -> int:
    """The bytes of the weights a network's config declares; none allocated."""
    import keras

    try:
        config = json.loads(config_text)
        # The optimizer is not loaded (compile=False), nor counted here.
        config = {**config, "compile_config": None}
        # Variables made in a stateless scope keep their shape and dtype but
        # get no value, so a config declaring huge layers costs nothing here.
        with keras.StatelessScope(initialize_variables=False):
            model = keras.saving.deserialize_keras_object(config, safe_mode=True)
        return sum(math.prod(v.shape) * _itemsize(v.dtype) for v in model.variables)
    except Exception as exc:  # Keras raises many kinds for a bad config
        raise ValueError(
            f"{path} could not be loaded safely: {_first_line(exc)}"
        ) from None


def _itemsize(dtype) -> int:
    try:
        return np.dtype(dtype).itemsize
    except TypeError:  # a type NumPy does not name, such as bfloat16
        return 8


def _read_metadata(path: Path) -> dict:
    if path.stat().st_size > _JSON_MAX_BYTES:
        raise ValueError(
            f"{path} holds {path.stat().st_size} bytes, where skfashion.save_model "
            "writes a few kilobytes: it was not written by skfashion."
        )
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
            f"reads ({FORMAT_VERSION}); upgrade skfashion to load it."
        )
    if metadata["estimator"] not in ESTIMATORS:
        raise ValueError(
            f"{path} names the estimator {metadata['estimator']!r}; only "
            f"{', '.join(ESTIMATORS)} are loaded."
        )
    if metadata.get("preprocessing") is not None and not (
        isinstance(metadata["preprocessing"], dict)
        and metadata["preprocessing"].get("class") == "MinMax255"
        and metadata["preprocessing"].get("dtype") in _SCALER_DTYPES
        and isinstance(
            metadata["preprocessing"].get("data_max", 0), (int, float, type(None))
        )
    ):
        raise ValueError(
            f"{path} names the preprocessing {metadata['preprocessing']!r}; only "
            "MinMax255 (float32 or float64) is loaded."
        )
    if not isinstance(metadata.get("model_sha256"), (str, type(None))):
        raise ValueError(f"{path} has a model_sha256 that is not a string.")
    metadata.setdefault("preprocessing", None)
    return metadata


def _scaler(metadata: dict) -> MinMax255:
    config = metadata["preprocessing"]
    scaler = MinMax255(
        dtype=_SCALER_DTYPES[config["dtype"]], clip=bool(config.get("clip", False))
    )
    if config.get("data_max") is not None:  # older folders saved it unfitted
        scaler.n_features_in_ = int(metadata["n_features_in"])
        scaler.data_max_ = float(config["data_max"])
    return scaler


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]
