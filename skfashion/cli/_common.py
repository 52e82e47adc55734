"""What the commands share: errors, output, the data options, TensorFlow's start."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from contextlib import contextmanager

__all__ = [
    "PROG",
    "TF_LOG_LEVEL",
    "TF_LOG_VARIABLE",
    "CommandError",
    "add_subset_options",
    "data_options",
    "fetch_data",
    "fraction",
    "import_tensorflow",
    "load_test_data",
    "one_line",
    "positive_float",
    "positive_int",
    "quiet_tensorflow",
    "say",
]

PROG = "skfashion"

# The level of TensorFlow's C++ logging that the command line sets when the
# user has not set one: errors only, no start-up chatter ("Could not find
# cuda drivers", "This TensorFlow binary is optimized ...").
TF_LOG_VARIABLE = "TF_CPP_MIN_LOG_LEVEL"
TF_LOG_LEVEL = "2"

# Lines that TensorFlow's and XLA's C++ logging write to stderr: absl's
# format, TensorFlow's older one, and absl's notice before its set-up.
# Since TensorFlow 2.19 some of them ignore TF_CPP_MIN_LOG_LEVEL (such as
# cudart_stub's; tensorflow/tensorflow issue 100442), so the lines written
# while TensorFlow starts are filtered; fatal (F) lines are kept.
_TF_LOG_LINE = re.compile(
    r"[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\] "
    r"|WARNING: All log messages before absl::InitializeLog\(\) is called"
)


class CommandError(Exception):
    """An expected failure, shown as one line without a traceback."""


def one_line(exc: BaseException) -> str:
    """An exception's message on one line."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}"
    return " ".join(line.strip() for line in text.splitlines() if line.strip())


def say(args, *lines: str) -> None:
    """Print ``lines``, unless the command runs with ``--quiet``."""
    if not getattr(args, "quiet", False):
        print(*lines, sep="\n", flush=True)


# -------------------------------------------------------------- TensorFlow
# Whether the running command hides TensorFlow's start-up (see quiet_tensorflow).
_hide_start = False


@contextmanager
def quiet_tensorflow():
    """Hide TensorFlow's C++ start-up chatter while a command runs.

    Unless the user set ``TF_CPP_MIN_LOG_LEVEL``, it is set to
    ``TF_LOG_LEVEL`` (and removed again afterwards), and
    :func:`import_tensorflow` filters the lines that ignore it. A value the
    user set is left alone, and so is all of TensorFlow's output.
    """
    global _hide_start
    if TF_LOG_VARIABLE in os.environ:
        yield
        return
    os.environ[TF_LOG_VARIABLE] = TF_LOG_LEVEL
    _hide_start = True
    try:
        yield
    finally:
        _hide_start = False
        os.environ.pop(TF_LOG_VARIABLE, None)


def import_tensorflow() -> None:
    """Import TensorFlow now, without its start-up lines within quiet_tensorflow.

    A command calls this once its data are there, right before it needs
    TensorFlow, so that no output of its own is held back meanwhile.
    """
    if "tensorflow" in sys.modules or not _hide_start:
        return
    with _stderr_without(_TF_LOG_LINE):
        import tensorflow as tf

        # Looking for devices initializes CUDA, if present, which logs too.
        tf.config.list_physical_devices()


@contextmanager
def _stderr_without(pattern: re.Pattern):
    """Hold back what goes to file descriptor 2, then drop ``pattern``'s lines.

    C++ libraries write to the descriptor directly, past ``sys.stderr``.
    Whatever else was written (a Python warning, an error) is written on.
    """
    sys.stderr.flush()
    try:
        saved = os.dup(2)
    except OSError:  # no stderr at all: nothing to hide
        yield
        return
    with tempfile.TemporaryFile() as held:
        os.dup2(held.fileno(), 2)
        try:
            yield
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            held.seek(0)
            lines = held.read().decode("utf-8", "replace").splitlines(keepends=True)
            kept = "".join(line for line in lines if not pattern.match(line))
            if kept:
                sys.stderr.write(kept)
                sys.stderr.flush()


# ---------------------------------------------------------------- options
def data_options() -> argparse.ArgumentParser:
    """The options of the commands that load Fashion-MNIST (a parent parser)."""
    data = argparse.ArgumentParser(add_help=False)
    group = data.add_argument_group("Fashion-MNIST (the default data)")
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
    return data


def add_subset_options(parser, *, n_train: bool = False) -> None:
    """``--n-test`` (and ``--n-train``): the first images only."""
    group = parser.add_argument_group("subsets (for quick looks and tests)")
    if n_train:
        group.add_argument(
            "--n-train",
            type=positive_int,
            metavar="N",
            help="train on the first N training images only (default: all, 60,000 in "
            "Fashion-MNIST)",
        )
    group.add_argument(
        "--n-test",
        type=positive_int,
        metavar="N",
        help="score on the first N test images only (default: all, 10,000 in "
        "Fashion-MNIST)",
    )


def positive_int(text: str) -> int:
    """An option's value as an int >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def positive_float(text: str) -> float:
    """An option's value as a float > 0."""
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def fraction(text: str) -> float:
    """An option's value as a float in [0, 1)."""
    value = float(text)
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text}")
    return value


# ------------------------------------------------------------------- data
def fetch_data(args, subset: str):
    """(X, y) of a Fashion-MNIST subset, or a CommandError saying what to do."""
    from skfashion.datasets import (
        CacheWriteError,
        fetch_fashion_mnist,
        verify_fashion_mnist,
    )

    try:
        return fetch_fashion_mnist(
            subset=subset,
            data_home=args.data_home,
            mirrors=args.mirror,
            download_if_missing=not args.offline,
            return_X_y=True,
        )
    except CacheWriteError as exc:
        # The folder, not the network: its message says so and what to do.
        raise CommandError(one_line(exc)) from None
    except OSError as exc:
        folder = verify_fashion_mnist(data_home=args.data_home).folder
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


def load_test_data(args):
    """The test images and labels, the first ``--n-test`` only if given."""
    X, y = fetch_data(args, "test")
    if args.n_test:
        X, y = X[: args.n_test], y[: args.n_test]
    return X, y
