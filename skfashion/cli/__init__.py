"""The ``skfashion`` command line: train, evaluate, predict, fetch, info.

Run ``skfashion --help`` (or ``python -m skfashion --help``) for the
commands, and ``skfashion <command> --help`` for each one's options.

The command line is a client of skfashion's public API: it parses options,
calls :func:`skfashion.run_training`, the run folder's reader
(:mod:`skfashion._run_folder`) and :mod:`skfashion.datasets`, and prints.
Each command's options are built beside the function that runs it:
``train`` in ``_train.py``, ``evaluate`` and ``predict`` in ``_saved.py``,
``fetch`` and ``info`` in ``_data.py``; the options of your own IDX files
in ``_idx_data.py``, the conversion of ``predict``'s image files in
``_images.py``.

Expected failures (data missing and no network, an unreadable image, a
folder that holds no saved model, a bad option value) print one line,
``skfashion: error: <message>``, to stderr and exit with status 1; usage
errors exit with status 2, as argparse does. Anything else is a bug and
shows its traceback.

``train`` imports TensorFlow only once it has its data, ``evaluate`` and
``predict`` once their arguments are checked (they need it to find the
saved models), and TensorFlow's C++ start-up messages are hidden unless
``TF_CPP_MIN_LOG_LEVEL`` is set.
"""

from __future__ import annotations

import argparse
import sys

from ._common import (
    PROG,
    TF_LOG_LEVEL,
    TF_LOG_VARIABLE,
    CommandError,
    data_options,
    one_line,
    quiet_tensorflow,
)
from ._data import add_fetch_parser, add_info_parser
from ._saved import add_evaluate_parser, add_predict_parser
from ._train import add_train_parser

__all__ = ["build_parser", "command_parsers", "main"]

_EPILOG = f"""\
Run '{PROG} <command> --help' for the options of a command.
TensorFlow's start-up messages are hidden unless the environment variable
{TF_LOG_VARIABLE} is set: {TF_LOG_VARIABLE}=0 shows them all, 3 no errors
either; {PROG} sets {TF_LOG_LEVEL} (errors shown, warnings hidden)."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``skfashion`` command.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser; each subcommand sets ``func`` to the function that runs
        it.
    """
    return _build()[0]


def command_parsers() -> dict[str, argparse.ArgumentParser]:
    """The parser of each command, as :func:`build_parser` builds them.

    argparse has no public way to list a parser's subcommands; this is the
    ``choices`` of the subparsers action, kept when it is made. The docs'
    ``cli-help`` directive renders their help from here.

    Returns
    -------
    parsers : dict of str to argparse.ArgumentParser
        Command name to its parser, in the order of ``skfashion --help``.
    """
    return dict(_build()[1].choices)


def _build():
    """(the parser, its subparsers action)."""
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Train, evaluate and use image classifiers: Fashion-MNIST or "
        "your own IDX data.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=__version__)
    commands = parser.add_subparsers(title="commands", metavar="COMMAND")
    commands.required = True
    data = data_options()
    add_train_parser(commands, data)
    add_evaluate_parser(commands, data)
    add_predict_parser(commands)
    add_fetch_parser(commands, data)
    add_info_parser(commands)
    return parser, commands


def main(argv: list[str] | None = None) -> int:
    """Run the ``skfashion`` command.

    Unless the environment variable ``TF_CPP_MIN_LOG_LEVEL`` is set, it is
    set to ``"2"`` while the command runs, and TensorFlow's C++ start-up
    messages are hidden; a value the user set is left alone, and all of
    TensorFlow's messages are shown as it logs them.

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
    with quiet_tensorflow():
        # Within: train --help imports TensorFlow to show the defaults.
        args = build_parser().parse_args(argv)
        try:
            args.func(args)
        except KeyboardInterrupt:
            print(f"{PROG}: interrupted", file=sys.stderr)
            return 130
        except (CommandError, OSError, ValueError) as exc:
            print(f"{PROG}: error: {one_line(exc)}", file=sys.stderr)
            return 1
    return 0
