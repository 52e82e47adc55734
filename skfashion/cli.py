"""The ``skfashion`` command line: train, evaluate, predict, fetch, info.

Run ``skfashion --help`` (or ``python -m skfashion --help``) for the
commands, and ``skfashion <command> --help`` for each one's options.

Expected failures (data missing and no network, an unreadable image, a
folder that holds no saved model, a bad option value) print one line,
``skfashion: error: <message>``, to stderr and exit with status 1; usage
errors exit with status 2, as argparse does. Anything else is a bug and
shows its traceback.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

__all__ = ["main"]

PROG = "skfashion"
#: Images per model in misclassified.png.
N_MISCLASSIFIED = 32

_PREPROCESSING_HELP = """\
Images are converted as Fashion-MNIST's were: a light garment on a dark
background, 28x28 pixels, 8-bit grayscale. Each PNG or JPEG file (any size,
color or not; transparent parts count as white) is converted to grayscale;
if its border is mostly light (a photo of a garment on white), it is
inverted; unless it is 28x28 already, it is trimmed to the garment, scaled
so that its longest side is 28 pixels (keeping its aspect ratio) and
centered on a black 28x28 canvas. An IDX file (such as Fashion-MNIST's own,
gzipped or not) holds uint8 images of shape (n, 28, 28) or rows (n, 784),
taken as they are."""


# In a help text: replaced by the classifiers' defaults of the option's
# parameter when the help is shown.
_ESTIMATOR_DEFAULT = "{estimator_default}"


class CommandError(Exception):
    """An expected failure, shown as one line without a traceback."""


# ------------------------------------------------------------------ parser
def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skfashion`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser; each subcommand sets ``func`` to the function that runs
        it.
    """
    from . import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train, evaluate and use clothing classifiers on Fashion-MNIST.",
        epilog=f"Run '{PROG} <command> --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    commands.required = True

    data = argparse.ArgumentParser(add_help=False)
    group = data.add_argument_group("data")
    group.add_argument(
        "--data-home",
        metavar="DIR",
        help="the data cache (default: $SKFASHION_DATA, else ~/skfashion_data)",
    )
    group.add_argument(
        "--mirror",
        metavar="URL",
        action="append",
        help="a base URL to download the data from, https://, http:// or file:// "
        "(repeat for several; default: $SKFASHION_MIRRORS, else the official ones)",
    )
    group.add_argument(
        "--offline",
        action="store_true",
        help="use the cached data only, never download",
    )
    train = commands.add_parser(
        "train",
        parents=[data],
        formatter_class=_EstimatorDefaultsFormatter,
        help="train the ANN, the CNN or both, score them, save them",
        description="Train on the 60,000 training images of Fashion-MNIST and "
        "score on the 10,000 test images; print the test accuracy and a "
        "per-class report, and save the model, metrics.json, figures and "
        "TensorBoard logs into OUTPUT_DIR/<model>/.",
        epilog="Hyperparameters left out keep the estimators' defaults (see "
        "help(skfashion.ANNClassifier) and help(skfashion.CNNClassifier)). "
        "Watch the logs with: tensorboard --logdir OUTPUT_DIR",
    )
    train.add_argument(
        "--model",
        choices=["ann", "cnn", "both"],
        default="both",
        help="the network(s) to train (default: both)",
    )
    train.add_argument(
        "--output-dir",
        metavar="DIR",
        type=Path,
        help="where to save the run; must be new or empty "
        "(default: a new runs/<date>-<time> folder)",
    )
    train.add_argument(
        "--no-tensorboard",
        dest="tensorboard",
        action="store_false",
        help="write no TensorBoard logs (by default: curves, weight histograms, "
        "projector embeddings and, for the CNN, feature maps)",
    )
    train.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the test accuracies: no progress, no report",
    )
    hyper = train.add_argument_group("hyperparameters (default: the estimator's)")
    hyper.add_argument(
        "--epochs",
        type=_positive_int,
        metavar="N",
        help=f"passes over the training images ({_ESTIMATOR_DEFAULT})",
    )
    hyper.add_argument(
        "--batch-size",
        type=_positive_int,
        metavar="N",
        help=f"images per gradient step ({_ESTIMATOR_DEFAULT})",
    )
    hyper.add_argument(
        "--learning-rate",
        type=_positive_float,
        metavar="RATE",
        help=f"the initial learning rate ({_ESTIMATOR_DEFAULT})",
    )
    hyper.add_argument(
        "--validation-split",
        type=_fraction,
        metavar="FRACTION",
        help="hold out this fraction of the training images for validation "
        f"curves ({_ESTIMATOR_DEFAULT})",
    )
    hyper.add_argument(
        "--dropout",
        type=_fraction,
        metavar="RATE",
        help=f"dropout rate ({_ESTIMATOR_DEFAULT})",
    )
    hyper.add_argument(
        "--random-state",
        type=int,
        metavar="SEED",
        help="seed for reproducible results on the CPU (default: none)",
    )
    hyper.add_argument(
        "--hidden-layer-sizes",
        type=_positive_int,
        nargs="+",
        metavar="UNITS",
        help=f"ANN: the units of each hidden layer ({_ESTIMATOR_DEFAULT})",
    )
    hyper.add_argument(
        "--filters",
        type=_positive_int,
        nargs="+",
        metavar="N",
        help=f"CNN: the convolution filters of each block ({_ESTIMATOR_DEFAULT})",
    )
    hyper.add_argument(
        "--dense-units",
        type=_positive_int,
        nargs="+",
        metavar="UNITS",
        help="CNN: the units of each dense layer after the convolutions "
        f"({_ESTIMATOR_DEFAULT})",
    )
    _add_subset_options(train, n_train=True)
    train.set_defaults(func=_train)

    evaluate = commands.add_parser(
        "evaluate",
        parents=[data],
        help="score a saved model on the test set",
        description="Load the model(s) that 'train' saved into RUN_DIR and "
        "print their accuracy and per-class report on the test images.",
    )
    evaluate.add_argument("run_dir", metavar="RUN_DIR", type=Path, help=_RUN_DIR_HELP)
    _add_subset_options(evaluate)
    evaluate.set_defaults(func=_evaluate)

    predict = commands.add_parser(
        "predict",
        help="classify image files with a saved model",
        description="Print the most likely class of each image, and its probability.",
        epilog=_PREPROCESSING_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument("run_dir", metavar="RUN_DIR", type=Path, help=_RUN_DIR_HELP)
    predict.add_argument(
        "images",
        metavar="IMAGE",
        type=Path,
        nargs="+",
        help="a PNG or JPEG file, or an IDX file of images",
    )
    predict.set_defaults(func=_predict)

    fetch = commands.add_parser(
        "fetch",
        parents=[data],
        help="download Fashion-MNIST into the cache and verify it",
        description="Download the four Fashion-MNIST files once (nothing if "
        "they are cached), check their SHA-256 checksums and decompress them.",
    )
    fetch.set_defaults(func=_fetch)

    info = commands.add_parser(
        "info",
        help="print versions and the data cache location",
        description="Print the versions of skfashion and its libraries, and "
        "where the data is cached.",
    )
    info.add_argument("--data-home", metavar="DIR", help="the data cache to describe")
    info.set_defaults(func=_info)
    return parser


_RUN_DIR_HELP = (
    "a folder that 'train' wrote: OUTPUT_DIR (all its models) or OUTPUT_DIR/<model>"
)


class _EstimatorDefaultsFormatter(argparse.HelpFormatter):
    """Fills in the classifiers' defaults only when the help is printed.

    Reading them imports the classifiers, and with them TensorFlow, which
    takes seconds that no other use of the parser should pay.
    """

    def _get_help_string(self, action):
        help_text = super()._get_help_string(action)
        if help_text and _ESTIMATOR_DEFAULT in help_text:
            help_text = help_text.replace(_ESTIMATOR_DEFAULT, _defaults(action.dest))
        return help_text


def _defaults(parameter: str) -> str:
    """``"default: ANN 15, CNN 10"``: the classifiers' defaults of a parameter."""
    import inspect

    from .classifiers import ANNClassifier, CNNClassifier

    values = {}
    for name, cls in (("ANN", ANNClassifier), ("CNN", CNNClassifier)):
        parameters = inspect.signature(cls).parameters
        if parameter in parameters:
            value = parameters[parameter].default
            if isinstance(value, tuple):
                value = " ".join(map(str, value))
            values[name] = f"{value:g}" if isinstance(value, float) else str(value)
    if len(set(values.values())) == 1:
        return f"default: {next(iter(values.values()))}"
    return "default: " + ", ".join(f"{k} {v}" for k, v in values.items())


def _add_subset_options(parser, *, n_train: bool = False) -> None:
    group = parser.add_argument_group("subsets (for quick looks and tests)")
    if n_train:
        group.add_argument(
            "--n-train",
            type=_positive_int,
            metavar="N",
            help="train on the first N training images only (default: all 60,000)",
        )
    group.add_argument(
        "--n-test",
        type=_positive_int,
        metavar="N",
        help="score on the first N test images only (default: all 10,000)",
    )


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def _fraction(text: str) -> float:
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


# -------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    """Run the ``skfashion`` command.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments, without the program name; by default ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 1 after an expected error (printed as one line to
        stderr), 130 when interrupted. Usage errors exit with status 2.
    """
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (CommandError, OSError, ValueError) as exc:
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return 1
    return 0


def _one_line(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def _say(args, *lines: str) -> None:
    if not getattr(args, "quiet", False):
        print(*lines, sep="\n", flush=True)


# -------------------------------------------------------------------- data
def _fetch_data(args, subset: str):
    """(X, y) of a Fashion-MNIST subset, or a CommandError saying what to do."""
    from .datasets import fetch_fashion_mnist, get_data_home
    from .datasets._fashion_mnist import _FOLDER

    try:
        return fetch_fashion_mnist(
            subset=subset,
            data_home=args.data_home,
            mirrors=args.mirror,
            download_if_missing=not args.offline,
            return_X_y=True,
        )
    except OSError as exc:
        folder = Path(get_data_home(args.data_home)) / _FOLDER
        if args.offline:
            raise CommandError(
                f"Fashion-MNIST is not cached in {folder} and --offline forbids "
                f"downloading it: run '{PROG} fetch' once with network access, "
                "or copy the four official .gz files into that folder."
            ) from None
        errors = [line.strip() for line in str(exc).splitlines()[1:2]]
        reason = f" ({errors[0][:200]})" if errors else ""
        raise CommandError(
            f"Fashion-MNIST is not cached in {folder} and could not be "
            f"downloaded{reason}. Check the network connection, pass "
            "--mirror URL (file:///path/to/folder for a local copy of the four "
            "official .gz files), or copy them into that folder."
        ) from None


def _test_data(args):
    X, y = _fetch_data(args, "test")
    if args.n_test:
        X, y = X[: args.n_test], y[: args.n_test]
    return X, y


def _class_name(label) -> str:
    from .datasets import FASHION_MNIST_CLASSES

    if isinstance(label, (int, np.integer)) and 0 <= label < len(FASHION_MNIST_CLASSES):
        return FASHION_MNIST_CLASSES[int(label)]
    return str(label)


# ------------------------------------------------------------------- train
def _train(args) -> None:
    from sklearn.base import clone
    from sklearn.pipeline import make_pipeline

    from ._saving import save_run_model
    from .preprocessing import MinMax255

    names = ["ann", "cnn"] if args.model == "both" else [args.model]
    for option, model in _MODEL_OPTIONS.items():
        if getattr(args, option) is not None and model not in names:
            flag = "--" + option.replace("_", "-")
            raise CommandError(
                f"{flag} applies to the {model} only: add --model {model} or both."
            )
    output_dir = _new_output_dir(args.output_dir)
    X, y = _fetch_data(args, "train")
    if args.n_train:
        X, y = X[: args.n_train], y[: args.n_train]
    X_test, y_test = _test_data(args)
    output_dir.mkdir(parents=True, exist_ok=True)  # once the data is there
    summary = []
    for name in names:
        folder = output_dir / name
        classifier = _make_classifier(name, args, folder / "tensorboard")
        model = make_pipeline(MinMax255(), classifier)
        shown = clone(classifier).set_params(callbacks=None, verbose=0)
        _say(args, f"Training {name}: {shown!r} on {len(X)} images")
        start = time.perf_counter()
        model.fit(X, y)
        seconds = time.perf_counter() - start
        y_pred = model.predict(X_test)
        metrics = _metrics(name, model, len(X), y_test, y_pred, seconds)
        print(
            f"{name}: test accuracy {metrics['test_accuracy']:.4f} on "
            f"{len(y_test)} images ({metrics['epochs']} epochs in {seconds:.0f} s)",
            flush=True,
        )
        _say(args, _report(y_test, y_pred))
        save_run_model(model, folder)
        _write_json(folder / "metrics.json", metrics)
        _save_figures(folder, model, X_test, y_test, y_pred)
        _say(args, f"Saved {name} into {folder}", "")
        summary.append(
            {
                "model": name,
                "estimator": metrics["estimator"],
                "test_accuracy": metrics["test_accuracy"],
                "fit_seconds": metrics["fit_seconds"],
                "epochs": metrics["epochs"],
            }
        )
    _write_json(output_dir / "summary.json", {"models": summary})
    if len(summary) > 1:
        print(_table(summary))
    _say(
        args,
        f"Run saved in {output_dir}. Next: {PROG} evaluate {output_dir}",
        f"  or: tensorboard --logdir {output_dir}",
    )


# Options of one network only, and that network.
_MODEL_OPTIONS = {"hidden_layer_sizes": "ann", "filters": "cnn", "dense_units": "cnn"}


def _new_output_dir(output_dir: Path | None) -> Path:
    """``output_dir`` checked new or empty, or a new ``runs/<date>-<time>``."""
    if output_dir is None:
        base = Path("runs") / time.strftime("%Y%m%d-%H%M%S")
        output_dir, n = base, 1
        while output_dir.exists():
            n += 1
            output_dir = base.with_name(f"{base.name}-{n}")
    elif output_dir.exists() and (not output_dir.is_dir() or any(output_dir.iterdir())):
        raise CommandError(
            f"{output_dir} already exists and is not an empty folder; pass a new "
            "--output-dir, so that no saved run is overwritten."
        )
    return output_dir


def _make_classifier(name: str, args, log_dir: Path):
    from .callbacks import EmbeddingProjector, FeatureMapLogger, TensorBoard
    from .classifiers import ANNClassifier, CNNClassifier
    from .datasets import FASHION_MNIST_CLASSES

    cls = {"ann": ANNClassifier, "cnn": CNNClassifier}[name]
    params = {
        key: getattr(args, key)
        for key in (
            "epochs",
            "batch_size",
            "learning_rate",
            "validation_split",
            "dropout",
            "random_state",
        )
        if getattr(args, key) is not None
    }
    for key, model in _MODEL_OPTIONS.items():
        if model == name and getattr(args, key) is not None:
            params[key] = tuple(getattr(args, key))
    if args.quiet:
        params["verbose"] = 0
    else:
        params["verbose"] = 1 if sys.stdout.isatty() else 2
    if args.tensorboard:
        callbacks = [
            TensorBoard(log_dir),
            EmbeddingProjector(log_dir, target_names=list(FASHION_MNIST_CLASSES)),
        ]
        if name == "cnn":
            callbacks.append(FeatureMapLogger(log_dir))
        params["callbacks"] = callbacks
    return cls(**params)


def _metrics(name, model, n_train, y_test, y_pred, seconds) -> dict:
    """What metrics.json holds."""
    from sklearn.metrics import accuracy_score, classification_report

    from ._saving import json_params, library_versions
    from .datasets import FASHION_MNIST_CLASSES

    classifier = model[-1]
    report = classification_report(
        y_test,
        y_pred,
        labels=np.arange(len(FASHION_MNIST_CLASSES)),
        target_names=FASHION_MNIST_CLASSES,
        output_dict=True,
        zero_division=0,
    )
    per_class = {key: report[key] for key in FASHION_MNIST_CLASSES}
    return {
        "model": name,
        "estimator": type(classifier).__name__,
        "test_accuracy": float(accuracy_score(y_test, y_pred)),
        "per_class": per_class,
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


def _report(y_true, y_pred) -> str:
    from sklearn.metrics import classification_report

    from .datasets import FASHION_MNIST_CLASSES

    return classification_report(
        y_true,
        y_pred,
        labels=np.arange(len(FASHION_MNIST_CLASSES)),
        target_names=FASHION_MNIST_CLASSES,
        digits=3,
        zero_division=0,
    )


def _table(rows: list[dict]) -> str:
    lines = [f"{'model':<6} {'estimator':<14} {'test accuracy':>13} {'fit time':>9}"]
    for row in rows:
        lines.append(
            f"{row['model']:<6} {row['estimator']:<14} "
            f"{row['test_accuracy']:>13.4f} {row['fit_seconds']:>8.0f}s"
        )
    return "\n".join(lines)


def _write_json(path: Path, content: dict) -> None:
    path.write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")


def _save_figures(folder: Path, model, X_test, y_test, y_pred) -> None:
    """training_curves, confusion_matrix, misclassified (and feature_maps)."""
    import matplotlib.pyplot as plt
    from sklearn.metrics import ConfusionMatrixDisplay

    from .classifiers import CNNClassifier
    from .datasets import FASHION_MNIST_CLASSES
    from .plotting import plot_feature_maps, plot_images, plot_training_history

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

    if isinstance(model[-1], CNNClassifier):
        fig = plot_feature_maps(model, X_test[0])
        fig.suptitle(f"Feature maps of test image 0 ({_class_name(y_test[0])})")
        save(fig, "feature_maps")


# ---------------------------------------------------------------- evaluate
def _evaluate(args) -> None:
    from sklearn.metrics import accuracy_score

    models = _load_models(args.run_dir)
    X_test, y_test = _test_data(args)
    for name, model in models.items():
        y_pred = model.predict(X_test)
        accuracy = accuracy_score(y_test, y_pred)
        print(f"{name}: test accuracy {accuracy:.4f} on {len(y_test)} images")
        print(_report(y_test, y_pred))


def _load_models(run_dir: Path) -> dict:
    """{model name: estimator taking raw pixels} of a run folder."""
    from sklearn.pipeline import Pipeline, make_pipeline

    from ._saving import METADATA_FILE, MODEL_FILE, load_run_model
    from .preprocessing import MinMax255

    if (run_dir / METADATA_FILE).is_file():
        folders = {run_dir.resolve().name: run_dir}
    elif run_dir.is_dir():
        folders = {
            sub.name: sub
            for sub in sorted(run_dir.iterdir())
            if (sub / METADATA_FILE).is_file()
        }
    else:
        raise CommandError(
            f"{run_dir} does not exist: pass a folder that '{PROG} train' wrote."
        )
    if not folders:
        raise CommandError(
            f"{run_dir} is not a saved run: it should hold {MODEL_FILE} and "
            f"{METADATA_FILE}, or subfolders (ann/, cnn/) that do, as "
            f"'{PROG} train' writes them."
        )
    models = {}
    for name, folder in folders.items():
        model = load_run_model(folder)
        # The command line always gives raw pixels: a bare classifier saved
        # from Python gets the scaling it was trained behind.
        if not isinstance(model, Pipeline):
            model = make_pipeline(MinMax255(), model)
        models[name] = model
    return models


# ----------------------------------------------------------------- predict
def _predict(args) -> None:
    models = _load_models(args.run_dir)
    names, rows = _read_inputs(args.images)
    for model_name, model in models.items():
        proba = model.predict_proba(rows)
        classes = model.classes_
        best = proba.argmax(axis=1)
        prefix = f"[{model_name}] " if len(models) > 1 else ""
        for name, index, row in zip(names, best, proba, strict=True):
            print(f"{prefix}{name}: {_class_name(classes[index])} ({row[index]:.1%})")


def _read_inputs(paths: list[Path]) -> tuple[list[str], np.ndarray]:
    """(a name per image, (n, 784) uint8 pixels) of image and IDX files."""
    from PIL.Image import DecompressionBombError

    from ._images import SIDE, image_to_pixels

    names, rows = [], []
    for path in paths:
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if _is_idx(path):
            images = _read_idx_images(path)
            names += [f"{path}[{i}]" for i in range(len(images))]
            rows.append(images)
        else:
            try:
                pixels = image_to_pixels(path)
            except (OSError, DecompressionBombError) as exc:
                raise CommandError(
                    f"{path} is not an image that can be read (PNG or JPEG) nor "
                    f"an IDX file: {_one_line(exc)}"
                ) from None
            names.append(str(path))
            rows.append(pixels.reshape(1, SIDE * SIDE))
    return names, np.concatenate(rows)


def _is_idx(path: Path) -> bool:
    with open(path, "rb") as stream:
        magic = stream.read(3)
    # IDX starts with two zero bytes and a type code; gzip with 1f 8b.
    return magic[:2] == b"\x1f\x8b" or (magic[:2] == b"\0\0" and len(magic) == 3)


def _read_idx_images(path: Path) -> np.ndarray:
    from ._images import SIDE
    from .datasets import read_idx

    images = read_idx(path)
    if images.shape == (SIDE, SIDE):
        images = images[np.newaxis]
    if images.dtype != np.uint8 or images.shape[1:] not in (
        (SIDE, SIDE),
        (SIDE * SIDE,),
    ):
        raise CommandError(
            f"{path} holds {images.dtype} data of shape {images.shape}; expected "
            f"uint8 images of shape (n, {SIDE}, {SIDE}) or (n, {SIDE * SIDE})."
        )
    return images.reshape(len(images), SIDE * SIDE)


# ------------------------------------------------------------- fetch, info
def _fetch(args) -> None:
    from .datasets import get_data_home
    from .datasets._base import sha256_of
    from .datasets._fashion_mnist import _FILES, _FOLDER

    train = _fetch_data(args, "train")
    test = _fetch_data(args, "test")
    folder = Path(get_data_home(args.data_home)) / _FOLDER
    checked = 0
    for remote in _FILES.values():
        path = folder / remote.filename
        if path.is_file():
            if sha256_of(path) != remote.sha256:
                raise CommandError(
                    f"{path} does not match its published SHA-256 checksum; "
                    f"delete it and run '{PROG} fetch' again."
                )
            checked += 1
    print(
        f"Fashion-MNIST is in {folder}: {len(train[1])} training and "
        f"{len(test[1])} test images; {checked} of {len(_FILES)} files match "
        "their published SHA-256 checksums."
    )


def _info(args) -> None:
    import keras

    from ._saving import library_versions
    from .datasets import get_data_home
    from .datasets._fashion_mnist import _FILES, _FOLDER, DEFAULT_MIRRORS

    versions = library_versions()
    print(f"{PROG} {versions.pop('skfashion')}")
    print(f"python {versions.pop('python')} ({sys.executable})")
    for name, version in versions.items():
        print(f"{name} {version}")
    print(f"keras backend: {keras.backend.backend()}")

    if args.data_home is not None:
        source = "--data-home"
    elif "SKFASHION_DATA" in os.environ:
        source = "$SKFASHION_DATA"
    else:
        source = "default"
    folder = Path(get_data_home(args.data_home)) / _FOLDER
    cached = sum((folder / remote.filename).is_file() for remote in _FILES.values())
    state = "cached" if cached == len(_FILES) else f"run '{PROG} fetch' to download it"
    print(f"data home: {folder.parent} ({source})")
    print(f"Fashion-MNIST: {cached} of {len(_FILES)} files in {folder}; {state}")
    mirrors = os.environ.get("SKFASHION_MIRRORS", "").split()
    where = "$SKFASHION_MIRRORS" if mirrors else "default"
    print(f"mirrors ({where}): {' '.join(mirrors or DEFAULT_MIRRORS)}")
