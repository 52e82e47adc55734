"""``skfashion train``: its options, and the call of :func:`skfashion.run_training`."""

from __future__ import annotations

import inspect
import sys
import time
from pathlib import Path

from ._common import (
    PROG,
    CommandError,
    add_subset_options,
    fetch_data,
    fraction,
    import_tensorflow,
    positive_float,
    positive_int,
    say,
)
from ._idx_data import (
    add_idx_options,
    check_named,
    idx_files,
    read_class_names,
    read_idx_set,
    shape_text,
)

__all__ = ["add_train_parser"]

# The options that set the classifier parameter of the same name.
_HYPERPARAMETERS = (
    "epochs",
    "batch_size",
    "learning_rate",
    "validation_split",
    "dropout",
    "random_state",
)
# Options of one network only, and that network.
_MODEL_OPTIONS = {"hidden_layer_sizes": "ann", "filters": "cnn", "dense_units": "cnn"}


def add_train_parser(commands, data) -> None:
    """Add the ``train`` command to the subparsers ``commands``."""
    train = commands.add_parser(
        "train",
        parents=[data],
        help="train the ANN, the CNN or both, score them, save them",
        description="Train on the 60,000 training images of Fashion-MNIST and "
        "score on the 10,000 test images, or on your own data set of IDX files "
        "(--idx-dir, or --train-images and the other three); print the test "
        "accuracy and a per-class report, and save the model, metrics.json, "
        "figures and TensorBoard logs into OUTPUT_DIR/<model>/ and summary.json "
        "into OUTPUT_DIR. In Python: skfashion.run_training.",
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
        "hyperparameters, projector embeddings and, for the CNN, feature maps)",
    )
    train.add_argument(
        "-q",
        "--quiet",
        action="store_true",
        help="print only the test accuracies: no progress, no report",
    )
    add_idx_options(train, train=True)
    hyper = train.add_argument_group("hyperparameters (default: the estimator's)")
    for flag, kind, metavar, text in (
        ("--epochs", positive_int, "N", "passes over the training images"),
        ("--batch-size", positive_int, "N", "images per gradient step"),
        ("--learning-rate", positive_float, "RATE", "the initial learning rate"),
        (
            "--validation-split",
            fraction,
            "FRACTION",
            "hold out this fraction of the training images for validation curves",
        ),
        ("--dropout", fraction, "RATE", "dropout rate"),
    ):
        hyper.add_argument(
            flag,
            type=kind,
            metavar=metavar,
            default=EstimatorDefault(flag[2:].replace("-", "_")),
            help=f"{text} (%(default)s)",
        )
    hyper.add_argument(
        "--random-state",
        type=int,
        metavar="SEED",
        help="seed for reproducible results on the CPU (default: none)",
    )
    for flag, metavar, text in (
        ("--hidden-layer-sizes", "UNITS", "ANN: the units of each hidden layer"),
        ("--filters", "N", "CNN: the convolution filters of each block"),
        (
            "--dense-units",
            "UNITS",
            "CNN: the units of each dense layer after the convolutions",
        ),
    ):
        hyper.add_argument(
            flag,
            type=positive_int,
            nargs="+",
            metavar=metavar,
            default=EstimatorDefault(flag[2:].replace("-", "_")),
            help=f"{text} (%(default)s)",
        )
    add_subset_options(train, n_train=True)
    train.set_defaults(func=_train)


def _train(args) -> None:
    names = ["ann", "cnn"] if args.model == "both" else [args.model]
    for option, model in _MODEL_OPTIONS.items():
        if _given(getattr(args, option)) and model not in names:
            flag = "--" + option.replace("_", "-")
            raise CommandError(
                f"{flag} applies to the {model} only: add --model {model} or both."
            )
    output_dir = _new_output_dir(args.output_dir)
    # The data before TensorFlow: without the data, say so at once.
    files = idx_files(args, ("train", "test"))
    if files is None:
        train, test = fetch_data(args, "train"), fetch_data(args, "test")
    else:
        train, test = _read_idx_data(files)
    target_names = None
    if args.class_names is not None:
        target_names = read_class_names(args.class_names)
        for subset, (_, labels) in (("train", train), ("test", test)):
            where = files[subset][1] if files else f"Fashion-MNIST's {subset} labels"
            check_named(labels, where, target_names, args.class_names)
    import_tensorflow()
    from skfashion import run_training

    run = run_training(
        output_dir,
        model=args.model,
        params=_params(args),
        train=train,
        test=test,
        target_names=target_names,
        data_source=files or dict.fromkeys(("train", "test"), "fashion_mnist"),
        n_train=args.n_train,
        n_test=args.n_test,
        tensorboard=args.tensorboard,
        progress=_progress(args),
    )
    rows = run.summary["models"]
    if len(rows) > 1:
        print(_table(rows))
    say(
        args,
        f"Run saved in {output_dir}. Next: {PROG} evaluate {output_dir}",
        f"  or: tensorboard --logdir {output_dir}",
    )


def _read_idx_data(files):
    """The training and test sets of the IDX files, checked to match."""
    train = read_idx_set(*files["train"], "training")
    test = read_idx_set(*files["test"], "test")
    if train[0].shape[1:] != test[0].shape[1:]:
        raise CommandError(
            f"The test images {files['test'][0]} are "
            f"{shape_text(test[0].shape[1:])} pixels, the training images "
            f"{files['train'][0]} {shape_text(train[0].shape[1:])}: a model takes "
            "images of one size; pass test images of the training images' size."
        )
    return train, test


def _given(value) -> bool:
    """Whether an option was given: not left at None or the estimators' default."""
    return value is not None and not isinstance(value, EstimatorDefault)


def _params(args) -> dict:
    """The classifier parameters that the options set."""
    params = {
        key: getattr(args, key)
        for key in _HYPERPARAMETERS
        if _given(getattr(args, key))
    }
    for key in _MODEL_OPTIONS:
        if _given(getattr(args, key)):
            params[key] = tuple(getattr(args, key))
    if args.quiet:
        params["verbose"] = 0
    else:  # a progress bar on a terminal, a line per epoch in a log file
        params["verbose"] = 1 if sys.stdout.isatty() else 2
    return params


def _progress(args):
    """run_training's ``progress``: all of it, or with -q the accuracies only."""

    def show(event: str, message: str) -> None:
        if event == "score":
            print(message, flush=True)
        elif event == "save":
            say(args, message, "")
        else:
            say(args, message)

    return show


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


def _table(rows: list[dict]) -> str:
    lines = [f"{'model':<6} {'estimator':<14} {'test accuracy':>13} {'fit time':>9}"]
    for row in rows:
        lines.append(
            f"{row['model']:<6} {row['estimator']:<14} "
            f"{row['test_accuracy']:>13.4f} {row['fit_seconds']:>8.0f}s"
        )
    return "\n".join(lines)


class EstimatorDefault:
    """The default of an option left to the classifiers: theirs, read when shown.

    It is the option's argparse default, so that its help's ``%(default)s``
    shows the classifiers' default values, which are read from their
    signatures only when the help is printed: reading them imports the
    classifiers, and with them TensorFlow, which takes seconds that no other
    use of the parser should pay. An option left out keeps this object,
    which :func:`_params` leaves out, and the classifier its default.
    """

    def __init__(self, parameter: str):
        self.parameter = parameter

    def __str__(self) -> str:
        return _defaults(self.parameter)

    def __repr__(self) -> str:
        return f"EstimatorDefault({self.parameter!r})"


def _defaults(parameter: str) -> str:
    """The classifiers' defaults of a parameter, read from their signatures.

    ``"default: <ANN's and CNN's>"`` if they are the same, else ``"default:
    ANN <ANN's>, CNN <CNN's>"``; a help text never restates a default itself.
    """
    import_tensorflow()
    from skfashion import ANNClassifier, CNNClassifier

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
