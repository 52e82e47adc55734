"""The run folder: what :func:`skfashion.run_training` writes, read back.

A run folder (``skfashion train``'s OUTPUT_DIR) holds::

    summary.json        each model's test accuracy, fit time and epochs
    ann/, cnn/          a model folder per model trained, holding:
        model.keras     the model, as skfashion.save_model writes it
        estimator.json
        metrics.json    test accuracy, per-class report, fit time, parameters,
                        library versions, the data it was trained and scored
                        on, and the names of its classes
        *.png, tensorboard/

This module is the one place that names these files, the two of a saved
model included (:mod:`skfashion._saving` writes and reads them under these
names): :func:`run_training` writes through it, and ``skfashion evaluate``
and ``skfashion predict`` read through it. Importing it is cheap; its
functions that read a model import TensorFlow.

A model folder's ``metrics.json`` records, besides the scores::

    "data": {"train": SOURCE, "test": SOURCE, "image_shape": [h, w, c] or null}
    "classes": [label, ...], "class_names": [name, ...]

with SOURCE one of ``{"source": "fashion_mnist"}``, ``{"source": "idx",
"images": PATH, "labels": PATH}`` (absolute paths of the IDX files) and
``{"source": "arrays"}`` (arrays given from Python, of unknown origin).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils import Bunch

__all__ = [
    "METADATA_FILE",
    "METRICS_FILE",
    "MODELS",
    "MODEL_FILE",
    "SUMMARY_FILE",
    "class_names",
    "classification_text",
    "image_shape",
    "infer_image_shape",
    "load_run",
    "model_folders",
    "read_json",
    "write_json",
]

#: The models a run can train, in the order it trains them; their folders.
MODELS = ("ann", "cnn")
#: A saved model's network and its JSON description (skfashion.save_model).
MODEL_FILE = "model.keras"
METADATA_FILE = "estimator.json"
#: The run's summary, in the run folder.
SUMMARY_FILE = "summary.json"
#: A model's scores and record, in its model folder.
METRICS_FILE = "metrics.json"


def model_folders(path: str | os.PathLike) -> dict[str, Path]:
    """{model name: folder} of the saved models of a run folder, or of one model.

    Parameters
    ----------
    path : str or path-like
        A run folder (its model folders are found) or a model folder, such
        as ``<run>/cnn`` or a folder that :func:`skfashion.save_model` wrote.

    Returns
    -------
    folders : dict of str to Path
        The model folders by name (a model folder's own name for a model
        folder), in the order of their names.

    Raises
    ------
    FileNotFoundError
        If ``path`` is no folder, holds no saved model, or holds an
        incomplete one: a model folder without ``model.keras`` or
        ``estimator.json`` (a save that stopped midway), or a model that
        ``summary.json`` lists and whose folder is gone. The message names
        the folder, what it lacks and what to do.
    """

    path = Path(path)
    if not path.is_dir():
        what = "is not a folder" if path.exists() else "does not exist"
        raise FileNotFoundError(
            f"{path} {what}: pass a run folder (that skfashion train or "
            "run_training wrote) or a saved model's folder."
        )
    if _is_model_folder(path):
        _check_complete(path)
        return {path.resolve().name: path}
    subfolders = [sub for sub in sorted(path.iterdir()) if _is_model_folder(sub)]
    folders = {sub.name: sub for sub in subfolders if _is_complete(sub)}
    for sub in subfolders:
        _check_complete(sub, folders)
    for row in _summary_rows(path):
        if row.get("model") not in folders:
            raise FileNotFoundError(
                f"{path / SUMMARY_FILE} lists the model {row.get('model')!r}, but "
                f"{path / str(row.get('model'))} is missing: the run is incomplete. "
                "Restore that folder, or pass the folder of a complete model alone"
                + (f", such as {next(iter(folders.values()))}." if folders else ".")
            )
    if not folders:
        raise FileNotFoundError(
            f"{path} is not a saved run: it should hold {MODEL_FILE} and "
            f"{METADATA_FILE}, or model folders (ann/, cnn/) that do, as "
            "skfashion train and run_training write them."
        )
    return folders


def _is_model_folder(folder: Path) -> bool:
    """Whether ``folder`` is meant as a model's: it holds one of a model's files."""

    return any(
        (folder / name).is_file() for name in (MODEL_FILE, METADATA_FILE, METRICS_FILE)
    )


def _is_complete(folder: Path) -> bool:

    return all((folder / name).is_file() for name in (MODEL_FILE, METADATA_FILE))


def _check_complete(folder: Path, others: Mapping[str, Path] | None = None) -> None:
    """Nothing if ``folder`` holds both files of a saved model, else the error."""

    if _is_complete(folder):
        return
    has = [name for name in (MODEL_FILE, METADATA_FILE) if (folder / name).is_file()]
    lacks = [name for name in (MODEL_FILE, METADATA_FILE) if name not in has]
    holds = (
        f"holds {has[0]} but no {lacks[0]}" if has else f"has no {' nor '.join(lacks)}"
    )
    advice = "Train the model again"
    if others:
        advice += (
            ", or pass the folder of a complete model alone, such as "
            f"{next(iter(others.values()))}"
        )
    raise FileNotFoundError(
        f"{folder} {holds}: its save stopped midway, so it cannot be loaded. {advice}."
    )


def _summary_rows(run_dir: Path) -> list[dict]:
    """The rows of a run's summary.json; none without one."""
    summary = read_json(run_dir / SUMMARY_FILE) or {}
    rows = summary.get("models")
    return (
        [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
    )


def load_run(path: str | os.PathLike) -> Bunch:
    """Load the saved models of a run folder (or of one model folder).

    Parameters
    ----------
    path : str or path-like
        A run folder, as :func:`skfashion.run_training` and ``skfashion
        train`` write it, or one model folder of it (``<run>/cnn``), or a
        folder that :func:`skfashion.save_model` wrote.

    Returns
    -------
    run : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        output_dir : Path
            ``path``.
        folders : dict of str to Path
            Model name to its folder, as :func:`model_folders` finds them.
        models : dict of str to estimator
            Model name to the model, as :func:`skfashion.load_model` loads
            it (a Pipeline ``MinMax255 -> classifier`` for a run's models).
        metrics : dict of str to dict or None
            Model name to what its ``metrics.json`` holds; None for a model
            saved without one (from Python, with ``save_model``).
        target_names : dict of str to dict
            Model name to ``{label: class name}`` for the labels it knows:
            the names recorded in its ``metrics.json``, else the labels as
            text.
        summary : dict or None
            What the run's ``summary.json`` holds, None without one.

    Raises
    ------
    FileNotFoundError
        See :func:`model_folders`.
    ValueError
        If a model cannot be loaded; see :func:`skfashion.load_model`.
    """
    from ._saving import load_model

    folders = model_folders(path)
    models = {name: load_model(folder) for name, folder in folders.items()}
    metrics = {
        name: read_json(folder / METRICS_FILE) for name, folder in folders.items()
    }
    summary = read_json(Path(path) / SUMMARY_FILE)
    return Bunch(
        output_dir=Path(path),
        folders=folders,
        models=models,
        metrics=metrics,
        target_names={
            name: class_names(metrics[name], _classifier(model).classes_)
            for name, model in models.items()
        },
        summary=summary,
    )


def _classifier(model):
    """The classifier of a model: itself, or a Pipeline's last step."""
    steps = getattr(model, "steps", None)
    return steps[-1][1] if steps else model


def class_names(metrics: Mapping[str, Any] | None, labels=()) -> dict:
    """{label: class name}: recorded in a model's ``metrics.json``, else the label.

    Parameters
    ----------
    metrics : dict or None
        What a model's ``metrics.json`` holds (its ``classes`` and
        ``class_names``), or None.
    labels : array-like, default=()
        More labels to name (such as a classifier's ``classes_``); those
        without a recorded name are named by their text.

    Returns
    -------
    names : dict
        Label to name, the recorded labels first.
    """
    names = {}
    record = metrics or {}
    classes, recorded = record.get("classes"), record.get("class_names")
    if isinstance(classes, list) and isinstance(recorded, list):
        names = {
            _plain(label): str(name)
            for label, name in zip(classes, recorded, strict=False)
        }
    for label in np.asarray(labels).tolist():
        names.setdefault(label, str(label))
    return names


def _plain(label):
    return label.item() if isinstance(label, np.generic) else label


def image_shape(model, metrics: Mapping[str, Any] | None = None) -> tuple | None:
    """The (height, width, channels) of the images a model takes, if known.

    A CNN's ``image_shape_``; else the shape recorded in the model's
    ``metrics.json``; else a square of one channel when its number of input
    features (``n_features_in_``) is a square; else None.
    """
    classifier = _classifier(model)
    return infer_image_shape(
        getattr(classifier, "image_shape_", None), classifier.n_features_in_, metrics
    )


def infer_image_shape(
    shape, n_features: int, metrics: Mapping[str, Any] | None = None
) -> tuple | None:
    """:func:`image_shape` from a model's recorded values, without the model.

    ``shape`` is its ``image_shape_`` (None for an ANN), ``n_features`` its
    ``n_features_in_``, ``metrics`` its ``metrics.json``: so that a saved
    model's inputs are known from its JSON files before any network loads.
    """
    if shape is None:
        recorded = ((metrics or {}).get("data") or {}).get("image_shape")
        if isinstance(recorded, list) and math.prod(recorded) == n_features:
            shape = recorded
    if shape is None:
        side = math.isqrt(n_features)
        if side * side == n_features:
            shape = (side, side, 1)
    return None if shape is None else tuple(int(d) for d in shape)


def classification_text(y_true, y_pred, target_names: Mapping | None = None) -> str:
    """scikit-learn's per-class report, one row per class of ``target_names``.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n_samples,)
        The true and the predicted labels.
    target_names : dict, default=None
        ``{label: class name}`` (as :func:`class_names` gives), in the order
        of the rows; labels it lacks are added, named by their text. By
        default the labels in ``y_true`` and ``y_pred``, by their text.

    Returns
    -------
    report : str
        The report, with three digits.
    """
    from sklearn.metrics import classification_report

    names = dict(target_names or {})
    for label in np.unique(np.concatenate([np.asarray(y_true), np.asarray(y_pred)])):
        names.setdefault(_plain(label), str(label))
    return classification_report(
        y_true,
        y_pred,
        labels=list(names),
        target_names=list(names.values()),
        digits=3,
        zero_division=0,
    )


def read_json(path: Path) -> dict | None:
    """The JSON object in ``path``; None if there is no such file or no object."""
    try:
        content = json.loads(Path(path).read_text(encoding="utf-8"))
    except (FileNotFoundError, UnicodeDecodeError, json.JSONDecodeError):
        return None
    return content if isinstance(content, dict) else None


def write_json(path: Path, content: Mapping) -> None:
    """Write ``content`` as indented JSON, ending with a newline."""
    Path(path).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
