"""A training run, as ``skfashion train`` performs it: fit, score, save, plot.

:func:`run_training` loads and checks the data before it imports anything
that imports TensorFlow, so a missing or malformed data set is reported in
a moment, not after TensorFlow's start-up. The run folder's layout and how
it is read back are in :mod:`skfashion._run_folder`.
"""

from __future__ import annotations

import contextlib
import logging
import math
import os
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils import Bunch

from ._run_folder import (
    METRICS_FILE,
    MODELS,
    SUMMARY_FILE,
    classification_text,
    write_json,
)
from .datasets import FASHION_MNIST_CLASSES, fetch_fashion_mnist

__all__ = ["run_training"]

#: Images per model in misclassified.png.
N_MISCLASSIFIED = 32
#: Test images per model in saliency.png.
N_SALIENCY = 8

logger = logging.getLogger("skfashion")

# What summary.json holds of each model's metrics.
_SUMMARY_KEYS = ("model", "estimator", "test_accuracy", "fit_seconds", "epochs")


def run_training(
    output_dir: str | os.PathLike,
    *,
    model: str = "both",
    params: Mapping[str, Any] | None = None,
    train: tuple[np.ndarray, np.ndarray] | None = None,
    test: tuple[np.ndarray, np.ndarray] | None = None,
    target_names: Sequence[str] | None = None,
    data_source: Mapping[str, Any] | None = None,
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    n_train: int | None = None,
    n_test: int | None = None,
    tensorboard: bool = True,
    progress: Callable[[str, str], None] | None = None,
) -> Bunch:
    """Train, score and save the ANN, the CNN or both: ``skfashion train``.

    Each model is a Pipeline of :class:`~skfashion.MinMax255` and an
    :class:`~skfashion.ANNClassifier` or :class:`~skfashion.CNNClassifier`,
    trained on the training images and scored on the test images. The run
    folder gets::

        summary.json            each model's test accuracy, fit time, epochs
        ann/, cnn/              a folder per model trained, holding:
            model.keras         the network and the estimator, as
            estimator.json      skfashion.save_model writes them
            metrics.json        test accuracy, per-class report, fit time,
                                parameters, library versions, where the
                                data came from, the class names
            training_curves.png, confusion_matrix.png, misclassified.png
            saliency.png        where the network looks in the first test
                                images: Grad-CAM (CNN) or gradients (ANN)
            feature_maps.png    (the CNN only)
            tensorboard/        TensorBoard logs (if tensorboard=True)

    ``skfashion train`` calls this function with its options: the same
    arguments give the same files. A run that fails or is interrupted
    leaves no half-written folder behind: what it wrote is removed, but for
    the folders of the models it finished; the run folder itself too if it
    finished none and created it.

    Parameters
    ----------
    output_dir : str or path-like
        The run folder; it must not exist or be empty, so that no saved run
        is overwritten. Created once the data is loaded and checked.
    model : {"ann", "cnn", "both"}, default="both"
        The network(s) to train; both: the ANN, then the CNN.
    params : dict, default=None
        Hyperparameters, ``{name: value}``. Each goes to every trained
        classifier that has a parameter of that name: ``epochs`` to both,
        ``hidden_layer_sizes`` to the ANN, ``filters`` to the CNN. Left
        out, a parameter keeps the classifier's default. ``callbacks``
        given here run besides the TensorBoard ones.
    train, test : tuple of (X, y), default=None
        The training and test images and labels. X holds pixel values
        0-255, as rows of shape (n, n_features) (784 for Fashion-MNIST's
        28x28 images) or as images of shape (n, height, width) or (n,
        height, width, channels), of any size, the same for both; images
        are flattened into rows, and the CNN gets their shape as its
        ``image_shape`` unless ``params`` sets one. y holds one label per
        image. By default Fashion-MNIST's 60,000 training and 10,000 test
        images, loaded with :func:`~skfashion.datasets.fetch_fashion_mnist`.
    target_names : sequence of str, default=None
        The class names, indexed by the labels, which must then be the
        integers 0 to ``len(target_names) - 1``; they name the classes in
        the reports, the figures and the TensorBoard projector, and are
        recorded in each model's ``metrics.json``. By default
        :data:`~skfashion.datasets.FASHION_MNIST_CLASSES` for Fashion-MNIST
        (loaded here, or so ``data_source`` says), else the labels as text.
    data_source : dict, default=None
        Where ``train`` and ``test`` came from, ``{"train": source, "test":
        source}``, each source ``"fashion_mnist"`` or the pair of IDX files
        ``(images, labels)`` they were read from. It is recorded in each
        model's ``metrics.json``, so that ``skfashion evaluate`` scores on
        the same test images; ``skfashion train`` passes the data it read.
        Arrays given without a source are recorded as ``"arrays"``; those
        that this function loads as ``"fashion_mnist"``.
    data_home : str or path-like, default=None
        The data cache that Fashion-MNIST is loaded from, when ``train`` or
        ``test`` is None. See :func:`~skfashion.datasets.get_data_home`.
    download_if_missing : bool, default=True
        If False, raise an ``OSError`` instead of downloading missing data.
    n_train, n_test : int, default=None
        Train on the first ``n_train`` training images only, score on the
        first ``n_test`` test images only; all by default.
    tensorboard : bool, default=True
        Write TensorBoard logs into ``<model>/tensorboard``: curves, weight
        histograms and the parameters for the HParams tab
        (:class:`~skfashion.callbacks.TensorBoard`), projector embeddings
        and, for the CNN, feature maps.
    progress : callable, default=None
        Called as ``progress(event, message)`` as the run goes, with
        ``message`` the text to show and ``event`` one of ``"train"`` (a
        model starts training), ``"score"`` (its test accuracy, one line),
        ``"report"`` (its per-class report, several lines) and ``"save"``
        (the folder it was saved into). By default each message is logged
        at INFO level by the ``"skfashion"`` logger.

    Returns
    -------
    run : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        output_dir : Path
            The run folder.
        summary : dict
            What ``summary.json`` holds: ``{"models": [...]}``, a dict per
            model with ``model``, ``estimator``, ``test_accuracy``,
            ``fit_seconds`` and ``epochs``.
        metrics : dict of str to dict
            Model name to what its ``metrics.json`` holds.

    Raises
    ------
    FileExistsError
        If ``output_dir`` exists and is not an empty folder.
    OSError
        If Fashion-MNIST is needed, not cached, and cannot be downloaded.
    ValueError
        If ``model``, ``n_train``, ``n_test``, ``target_names`` or
        ``data_source`` is invalid; if the data is: images and labels of
        different counts, training and test images of different sizes,
        labels that ``target_names`` does not name; or if a parameter in
        ``params`` belongs to none of the models trained.

    See Also
    --------
    skfashion.load_model : Load a model of the run: ``<output_dir>/cnn``.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from skfashion import run_training
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(60, 784), dtype=np.uint8)
    >>> y = np.arange(60) % 10
    >>> run = run_training(
    ...     tempfile.mkdtemp(), model="ann", train=(X, y), test=(X[:20], y[:20]),
    ...     params={"epochs": 1, "hidden_layer_sizes": (8,), "verbose": 0},
    ...     tensorboard=False,
    ... )
    >>> [row["model"] for row in run.summary["models"]]
    ['ann']
    >>> sorted(path.name for path in (run.output_dir / "ann").iterdir())
    ... # doctest: +NORMALIZE_WHITESPACE
    ['confusion_matrix.png', 'estimator.json', 'metrics.json',
     'misclassified.png', 'model.keras', 'saliency.png', 'training_curves.png']
    """
    if model not in (*MODELS, "both"):
        raise ValueError(f"model must be 'ann', 'cnn' or 'both', got {model!r}.")
    names = list(MODELS) if model == "both" else [model]
    for name, value in (("n_train", n_train), ("n_test", n_test)):
        if value is not None and (
            isinstance(value, bool)
            or not isinstance(value, int | np.integer)
            or value < 1
        ):
            raise ValueError(f"{name} must be None or an int >= 1, got {value!r}.")
    output_dir = Path(output_dir)
    _check_new_or_empty(output_dir)
    report = _reporter(progress)

    # The data first: without it, TensorFlow's start-up would be wasted.
    given = {"train": train, "test": test}
    sources = dict(data_source or {})
    for subset in [subset for subset, arrays in given.items() if arrays is None]:
        sources[subset] = "fashion_mnist"
        given[subset] = fetch_fashion_mnist(
            subset=subset,
            data_home=data_home,
            download_if_missing=download_if_missing,
            return_X_y=True,
        )
    if target_names is None and "fashion_mnist" in sources.values():
        target_names = FASHION_MNIST_CLASSES
    data = _RunData.check(given, sources, target_names, params or {}, n_train, n_test)

    classifiers = _make_classifiers(
        names, dict(params or {}), output_dir, tensorboard, data
    )
    created = _make_folder(output_dir)
    rows, metrics = [], {}
    try:
        for name, classifier in classifiers.items():
            metrics[name] = _train_one(
                name, classifier, data, output_dir / name, report
            )
            rows.append({key: metrics[name][key] for key in _SUMMARY_KEYS})
        summary = {"models": rows}
        write_json(output_dir / SUMMARY_FILE, summary)
    except BaseException:  # an interrupt too: no half-written run is left
        _remove_unfinished(output_dir, created, finished=list(metrics))
        raise
    return Bunch(output_dir=output_dir, summary=summary, metrics=metrics)


@dataclass
class _RunData:
    """The checked data of a run: what every model is trained and scored on."""

    X: np.ndarray  # training rows (n, n_features), pixels 0-255
    y: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    # (height, width, channels) of the images if known: given as images, by
    # params' image_shape, or a square number of pixels; else None.
    image_shape: tuple[int, ...] | None
    # Whether the images came as images (n, h, w[, c]): the CNN gets their shape.
    image_shaped: bool
    target_names: dict  # label -> class name, in the order of the reports
    record: dict  # metrics.json's "data": where the data came from, its shape

    @classmethod
    def check(cls, given, sources, target_names, params, n_train, n_test):
        """The run's data from ``{"train": (X, y), "test": (X, y)}``, checked."""
        arrays = {}
        for subset, what in (("train", "training"), ("test", "test")):
            images, labels = (np.asarray(a) for a in given[subset])
            if labels.ndim != 1:
                raise ValueError(
                    f"The {what} labels must be a 1-dimensional array, one label "
                    f"per image; got shape {labels.shape}."
                )
            if len(images) != len(labels):
                raise ValueError(
                    f"The {what} set has {len(images)} images but {len(labels)} "
                    "labels: pass one label per image."
                )
            if images.ndim not in (2, 3, 4):
                raise ValueError(
                    f"The {what} images must be rows (n, n_features) or images "
                    f"(n, height, width) or (n, height, width, channels); got "
                    f"shape {images.shape}."
                )
            n = n_train if subset == "train" else n_test
            arrays[subset] = images[:n], labels[:n]
        (X, y), (X_test, y_test) = arrays["train"], arrays["test"]
        shape = _image_shape(X, X_test, params)
        if X[0].size != X_test[0].size:
            raise ValueError(
                f"The test images have {X_test[0].size} pixels each "
                f"(shape {X_test.shape[1:]}), the training images {X[0].size} "
                f"(shape {X.shape[1:]}): both must have the same size."
            )
        return cls(
            X=X.reshape(len(X), -1),
            y=y,
            X_test=X_test.reshape(len(X_test), -1),
            y_test=y_test,
            image_shape=shape,
            image_shaped=X.ndim > 2,
            target_names=_class_names(target_names, y, y_test),
            record={
                "train": _source("train", sources),
                "test": _source("test", sources),
                "image_shape": None if shape is None else list(shape),
            },
        )


def _image_shape(X: np.ndarray, X_test: np.ndarray, params) -> tuple | None:
    """(height, width, channels) of the images, if they tell; else None."""
    shapes = {
        a.shape[1:] if a.ndim > 3 else (*a.shape[1:], 1)
        for a in (X, X_test)
        if a.ndim > 2
    }
    if len(shapes) > 1:
        test, train = (a.shape[1:] for a in (X_test, X))
        raise ValueError(
            f"The test images are of shape {test}, the training images of shape "
            f"{train}: both must have the same size."
        )
    if shapes:
        return shapes.pop()
    if params.get("image_shape") is not None:
        shape = tuple(int(d) for d in params["image_shape"])
        return shape if len(shape) == 3 else (*shape, 1)
    side = math.isqrt(X.shape[1])
    return (side, side, 1) if side * side == X.shape[1] else None


def _class_names(target_names, y: np.ndarray, y_test: np.ndarray) -> dict:
    """{label: class name} of the classes that the reports show."""
    if target_names is None:
        labels = np.unique(np.concatenate([y, y_test])).tolist()
        return {label: str(label) for label in labels}
    if isinstance(target_names, str) or not isinstance(target_names, Sequence):
        raise ValueError(
            f"target_names must be a sequence of class names, got {target_names!r}."
        )
    names = [str(name) for name in target_names]
    if not names or len(set(names)) != len(names) or not all(names):
        raise ValueError(
            "target_names must name each class once, with no empty name; got "
            f"{names!r}."
        )
    for what, labels in (("training", y), ("test", y_test)):
        if not np.issubdtype(labels.dtype, np.integer):
            raise ValueError(
                f"With target_names, the {what} labels must be the integers 0 to "
                f"{len(names) - 1}; got labels of dtype {labels.dtype}."
            )
        outside = labels[(labels < 0) | (labels >= len(names))]
        if len(outside):
            raise ValueError(
                f"The {what} labels include {outside[0]}, but target_names names "
                f"{len(names)} classes, labels 0 to {len(names) - 1}: name every "
                "class."
            )
    return dict(enumerate(names))


def _source(subset: str, sources: Mapping) -> dict:
    """Where a subset came from, as metrics.json records it."""
    source = sources.get(subset)
    if source is None:
        return {"source": "arrays"}
    if source == "fashion_mnist":
        return {"source": "fashion_mnist"}
    if isinstance(source, str | os.PathLike) or len(source) != 2:
        raise ValueError(
            f"data_source[{subset!r}] must be 'fashion_mnist' or the pair (images "
            f"file, labels file), got {source!r}."
        )
    images, labels = (str(Path(path).resolve()) for path in source)
    return {"source": "idx", "images": images, "labels": labels}


def _check_new_or_empty(output_dir: Path) -> None:
    if output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise FileExistsError(
            f"{output_dir} already exists and is not an empty folder; pass a new "
            "output folder, so that no saved run is overwritten."
        )


def _make_folder(output_dir: Path) -> list[Path]:
    """Create ``output_dir``; the folders this created, the deepest first."""
    created, folder = [], output_dir
    while not folder.exists() and folder != folder.parent:
        created.append(folder)
        folder = folder.parent
    output_dir.mkdir(parents=True, exist_ok=True)
    return created


def _remove_unfinished(output_dir: Path, created: list[Path], finished) -> None:
    """Remove what a failed run wrote, but for the folders of its finished models.

    ``output_dir`` was new or empty, so all it holds is this run's; the
    folders in ``created`` go too if no model was finished and they are
    empty. Never raises: the run's own error is the one to show.
    """
    with contextlib.suppress(OSError):
        for path in output_dir.iterdir():
            if path.name in finished:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
    if finished:
        return
    for folder in created:
        try:
            folder.rmdir()
        except OSError:  # not empty: something else is in it now
            return


def _reporter(progress) -> Callable[[str, str], None]:
    if progress is not None:
        return progress

    def log(event: str, message: str) -> None:
        logger.info("%s", message)

    return log


def _make_classifiers(
    names, params: dict, output_dir: Path, tensorboard: bool, data: _RunData
):
    """{name: classifier} with ``params`` and, if asked, TensorBoard callbacks."""
    import inspect

    from .callbacks import EmbeddingProjector, FeatureMapLogger, TensorBoard
    from .classifiers import ANNClassifier, CNNClassifier

    classes = {"ann": ANNClassifier, "cnn": CNNClassifier}
    accepted = {
        name: set(inspect.signature(classes[name]).parameters) for name in names
    }
    unknown = sorted(set(params) - set().union(*accepted.values()))
    if unknown:
        raise ValueError(
            f"{', '.join(unknown)} is not a parameter of "
            f"{' or '.join(classes[name].__name__ for name in names)}."
        )
    classifiers = {}
    for name in names:
        own = {key: value for key, value in params.items() if key in accepted[name]}
        if name == "cnn" and data.image_shaped and own.get("image_shape") is None:
            # The rows are flattened images: the CNN folds them back.
            own["image_shape"] = data.image_shape
        if tensorboard:
            log_dir = output_dir / name / "tensorboard"
            callbacks = [
                TensorBoard(log_dir),
                EmbeddingProjector(
                    log_dir,
                    target_names=data.target_names,
                    # The projector draws the ANN's rows only as squares.
                    sprite=name == "cnn" or _is_square(data.X.shape[1]),
                ),
            ]
            if name == "cnn":
                callbacks.append(FeatureMapLogger(log_dir))
            own["callbacks"] = [*(own.get("callbacks") or []), *callbacks]
        classifiers[name] = classes[name](**own)
    return classifiers


def _is_square(n: int) -> bool:
    return math.isqrt(n) ** 2 == n


def _train_one(name, classifier, data: _RunData, folder: Path, report) -> dict:
    """Fit, score and save one model; its metrics."""
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    from ._saving import save_model
    from .preprocessing import MinMax255

    model = make_pipeline(MinMax255(), classifier)
    shown = clone(classifier).set_params(callbacks=None, verbose=0)
    report("train", f"Training {name}: {shown!r} on {len(data.X)} images")
    start = time.perf_counter()
    model.fit(data.X, data.y)
    seconds = time.perf_counter() - start
    y_pred = model.predict(data.X_test)
    metrics = _metrics(name, model, data, y_pred, seconds)
    report(
        "score",
        f"{name}: test accuracy {metrics['test_accuracy']:.4f} on "
        f"{len(data.y_test)} images ({metrics['epochs']} epochs in {seconds:.0f} s)",
    )
    report("report", classification_text(data.y_test, y_pred, data.target_names))
    save_model(model, folder)
    write_json(folder / METRICS_FILE, metrics)
    _save_figures(folder, model, data, y_pred)
    report("save", f"Saved {name} into {folder}")
    return metrics


def _metrics(name, model, data: _RunData, y_pred, seconds) -> dict:
    """What metrics.json holds."""
    from sklearn.metrics import accuracy_score, classification_report

    from ._saving import json_params
    from .utils import library_versions

    classifier = model[-1]
    names = list(data.target_names.values())
    report = classification_report(
        data.y_test,
        y_pred,
        labels=list(data.target_names),
        target_names=names,
        output_dict=True,
        zero_division=0,
    )
    return {
        "model": name,
        "estimator": type(classifier).__name__,
        "test_accuracy": float(accuracy_score(data.y_test, y_pred)),
        "per_class": {key: report[key] for key in names},
        "macro_avg": report["macro avg"],
        "weighted_avg": report["weighted avg"],
        "n_train": len(data.X),
        "n_test": len(data.y_test),
        "epochs": len(classifier.history_.get("loss", [])),
        "fit_seconds": round(seconds, 3),
        "params": json_params(classifier.get_params(deep=False))[0],
        "data": data.record,
        "classes": list(data.target_names),
        "class_names": names,
        "versions": library_versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def _save_figures(folder: Path, model, data: _RunData, y_pred) -> None:
    """training_curves, confusion_matrix, misclassified, saliency (feature_maps)."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    from .classifiers import CNNClassifier
    from .plotting import (
        plot_feature_maps,
        plot_images,
        plot_saliency,
        plot_training_history,
    )

    X_test, y_test, names = data.X_test, data.y_test, data.target_names

    def save(fig, name: str) -> None:
        fig.savefig(folder / f"{name}.png", dpi=100)
        plt.close(fig)

    save(plot_training_history(model), "training_curves")

    fig, ax = plt.subplots(figsize=(8, 8), layout="constrained")
    ConfusionMatrixDisplay.from_predictions(
        y_test,
        y_pred,
        labels=list(names),
        display_labels=list(names.values()),
        xticks_rotation=45,
        colorbar=False,
        ax=ax,
    )
    ax.set_title(f"{type(model[-1]).__name__} on {len(y_test)} test images")
    save(fig, "confusion_matrix")

    wrong = np.flatnonzero(y_pred != y_test)[:N_MISCLASSIFIED]
    if len(wrong):
        fig = plot_images(
            X_test[wrong],
            y_test[wrong],
            y_pred[wrong],
            target_names=names,
            # Rows of unknown shape are drawn as what they are: one line.
            image_shape=data.image_shape or (1, X_test.shape[1]),
        )
    else:
        fig = plt.figure(figsize=(4, 1))
        fig.text(0.5, 0.5, "No misclassified test images", ha="center", va="center")
    save(fig, "misclassified")

    method = "gradcam" if isinstance(model[-1], CNNClassifier) else "gradient"
    fig = plot_saliency(
        model,
        X_test[:N_SALIENCY],
        y_test[:N_SALIENCY],
        method=method,
        target_names=names,
    )
    fig.suptitle({"gradcam": "Grad-CAM", "gradient": "Gradients"}[method])
    save(fig, "saliency")

    if isinstance(model[-1], CNNClassifier):
        # The block's own title gives the true and predicted class.
        fig = plot_feature_maps(model, X_test[:1], y_test[:1], target_names=names)
        fig.suptitle("Feature maps of test image 0")
        save(fig, "feature_maps")
