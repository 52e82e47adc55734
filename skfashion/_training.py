"""A training run, as ``skfashion train`` performs it: fit, score, save, plot.

:func:`run_training` loads the data before it imports anything that
imports TensorFlow, so a missing data set is reported in a moment, not
after TensorFlow's start-up.
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.utils import Bunch

from .datasets import FASHION_MNIST_CLASSES, fetch_fashion_mnist

__all__ = ["classification_text", "run_training"]

#: The models a run can train, in the order it trains them.
MODELS = ("ann", "cnn")
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
                                parameters, library versions
            training_curves.png, confusion_matrix.png, misclassified.png
            saliency.png        where the network looks in the first test
                                images: Grad-CAM (CNN) or gradients (ANN)
            feature_maps.png    (the CNN only)
            tensorboard/        TensorBoard logs (if tensorboard=True)

    ``skfashion train`` calls this function with its options: the same
    arguments give the same files.

    Parameters
    ----------
    output_dir : str or path-like
        The run folder; it must not exist or be empty, so that no saved run
        is overwritten. Created once the data is loaded.
    model : {"ann", "cnn", "both"}, default="both"
        The network(s) to train; both: the ANN, then the CNN.
    params : dict, default=None
        Hyperparameters, ``{name: value}``. Each goes to every trained
        classifier that has a parameter of that name: ``epochs`` to both,
        ``hidden_layer_sizes`` to the ANN, ``filters`` to the CNN. Left
        out, a parameter keeps the classifier's default. ``callbacks``
        given here run besides the TensorBoard ones.
    train, test : tuple of (X, y), default=None
        The training and test images and labels: X of shape (n, 784) or
        (n, 28, 28) with pixel values 0-255, as
        :func:`~skfashion.datasets.fetch_fashion_mnist` gives them, and y
        the labels 0-9 of :data:`~skfashion.datasets.FASHION_MNIST_CLASSES`.
        By default Fashion-MNIST's 60,000 training and 10,000 test images,
        loaded with ``fetch_fashion_mnist``.
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
        If ``model``, ``n_train`` or ``n_test`` is invalid, or a parameter
        in ``params`` belongs to none of the models trained.

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
    data = {"train": train, "test": test}
    for subset, given in data.items():
        if given is None:
            data[subset] = fetch_fashion_mnist(
                subset=subset,
                data_home=data_home,
                download_if_missing=download_if_missing,
                return_X_y=True,
            )
    X, y = (np.asarray(a)[:n_train] for a in data["train"])
    X_test, y_test = (np.asarray(a)[:n_test] for a in data["test"])

    classifiers = _make_classifiers(names, dict(params or {}), output_dir, tensorboard)
    output_dir.mkdir(parents=True, exist_ok=True)
    rows, metrics = [], {}
    for name, classifier in classifiers.items():
        metrics[name] = _train_one(
            name, classifier, X, y, X_test, y_test, output_dir / name, report
        )
        rows.append({key: metrics[name][key] for key in _SUMMARY_KEYS})
    summary = {"models": rows}
    _write_json(output_dir / "summary.json", summary)
    return Bunch(output_dir=output_dir, summary=summary, metrics=metrics)


def _check_new_or_empty(output_dir: Path) -> None:
    if output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise FileExistsError(
            f"{output_dir} already exists and is not an empty folder; pass a new "
            "output folder, so that no saved run is overwritten."
        )


def _reporter(progress) -> Callable[[str, str], None]:
    if progress is not None:
        return progress

    def log(event: str, message: str) -> None:
        logger.info("%s", message)

    return log


def _make_classifiers(names, params: dict, output_dir: Path, tensorboard: bool):
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
        if tensorboard:
            log_dir = output_dir / name / "tensorboard"
            callbacks = [
                TensorBoard(log_dir),
                EmbeddingProjector(log_dir, target_names=list(FASHION_MNIST_CLASSES)),
            ]
            if name == "cnn":
                callbacks.append(FeatureMapLogger(log_dir))
            own["callbacks"] = [*(own.get("callbacks") or []), *callbacks]
        classifiers[name] = classes[name](**own)
    return classifiers


def _train_one(name, classifier, X, y, X_test, y_test, folder: Path, report) -> dict:
    """Fit, score and save one model; its metrics."""
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    from ._saving import save_model
    from .preprocessing import MinMax255

    model = make_pipeline(MinMax255(), classifier)
    shown = clone(classifier).set_params(callbacks=None, verbose=0)
    report("train", f"Training {name}: {shown!r} on {len(X)} images")
    start = time.perf_counter()
    model.fit(X, y)
    seconds = time.perf_counter() - start
    y_pred = model.predict(X_test)
    metrics = _metrics(name, model, len(X), y_test, y_pred, seconds)
    report(
        "score",
        f"{name}: test accuracy {metrics['test_accuracy']:.4f} on "
        f"{len(y_test)} images ({metrics['epochs']} epochs in {seconds:.0f} s)",
    )
    report("report", classification_text(y_test, y_pred))
    save_model(model, folder)
    _write_json(folder / "metrics.json", metrics)
    _save_figures(folder, model, X_test, y_test, y_pred)
    report("save", f"Saved {name} into {folder}")
    return metrics


def _metrics(name, model, n_train, y_test, y_pred, seconds) -> dict:
    """What metrics.json holds."""
    from sklearn.metrics import accuracy_score, classification_report

    from ._saving import json_params
    from .utils import library_versions

    classifier = model[-1]
    report = classification_report(
        y_test,
        y_pred,
        labels=np.arange(len(FASHION_MNIST_CLASSES)),
        target_names=FASHION_MNIST_CLASSES,
        output_dict=True,
        zero_division=0,
    )
    return {
        "model": name,
        "estimator": type(classifier).__name__,
        "test_accuracy": float(accuracy_score(y_test, y_pred)),
        "per_class": {key: report[key] for key in FASHION_MNIST_CLASSES},
        "macro_avg": report["macro avg"],
        "weighted_avg": report["weighted avg"],
        "n_train": n_train,
        "n_test": len(y_test),
        "epochs": len(classifier.history_.get("loss", [])),
        "fit_seconds": round(seconds, 3),
        "params": json_params(classifier.get_params(deep=False))[0],
        "versions": library_versions(),
        "created": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
    }


def classification_text(y_true, y_pred) -> str:
    """scikit-learn's per-class report, with Fashion-MNIST's class names."""
    from sklearn.metrics import classification_report

    return classification_report(
        y_true,
        y_pred,
        labels=np.arange(len(FASHION_MNIST_CLASSES)),
        target_names=FASHION_MNIST_CLASSES,
        digits=3,
        zero_division=0,
    )


def _write_json(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def _save_figures(folder: Path, model, X_test, y_test, y_pred) -> None:
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

    def save(fig, name: str) -> None:
        fig.savefig(folder / f"{name}.png", dpi=100)
        plt.close(fig)

    save(plot_training_history(model), "training_curves")

    fig, ax = plt.subplots(figsize=(8, 8), layout="constrained")
    ConfusionMatrixDisplay.from_predictions(
        y_test,
        y_pred,
        labels=np.arange(len(FASHION_MNIST_CLASSES)),
        display_labels=FASHION_MNIST_CLASSES,
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
            target_names=FASHION_MNIST_CLASSES,
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
        target_names=FASHION_MNIST_CLASSES,
    )
    fig.suptitle({"gradcam": "Grad-CAM", "gradient": "Gradients"}[method])
    save(fig, "saliency")

    if isinstance(model[-1], CNNClassifier):
        # The block's own title gives the true and predicted class.
        fig = plot_feature_maps(
            model, X_test[:1], y_test[:1], target_names=FASHION_MNIST_CLASSES
        )
        fig.suptitle("Feature maps of test image 0")
        save(fig, "feature_maps")
