"""The ``cli-help`` directive: the command line's help, generated from its parser.

``docs/cli.rst`` shows what ``skfashion [COMMAND] --help`` prints, rendered
at build time from :func:`skfashion.cli.build_parser` at a fixed width of 80
columns (as ``COLUMNS=80 skfashion --help`` prints it), so the page cannot
drift from the command line::

    .. cli-help::

    .. cli-help:: train

The first renders the help of ``skfashion`` itself, the second that of
``skfashion train``. A name the parser does not have is an error, and so is
a subcommand that no page renders (a new command): both fail ``sphinx -W``.

We use our own directive rather than sphinx-argparse, which rebuilds the help
from each argument's raw ``help`` string: ``skfashion train`` fills the
classifiers' defaults into its help at formatting time (``%(default)s`` of
a default that reads them when shown), which only ``format_help`` shows.
"""

from __future__ import annotations

import argparse
import os
import sys
from contextlib import contextmanager

from docutils import nodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

WIDTH = 80  # columns; argparse wraps the text at WIDTH - 2
TOP = ""  # the key of the top-level help in the record of rendered helps


def _parser() -> argparse.ArgumentParser:
    from skfashion.cli import build_parser

    return build_parser()


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    """Name -> parser of each subcommand."""
    from skfashion.cli import command_parsers

    return command_parsers()


@contextmanager
def _fixed_width(width: int):
    """argparse wraps help at ``$COLUMNS - 2``: fix it, whatever the terminal."""
    saved = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = str(width)
    try:
        yield
    finally:
        if saved is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = saved


def _help_text(parser: argparse.ArgumentParser) -> str:
    if hasattr(parser, "color"):  # Python 3.14: no ANSI colors in the page
        parser.color = False
    with _fixed_width(WIDTH):
        return parser.format_help().rstrip() + "\n"


class CliHelp(SphinxDirective):
    """``.. cli-help:: [COMMAND]``: the output of ``skfashion [COMMAND] --help``."""

    optional_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        parser = _parser()
        name = self.arguments[0] if self.arguments else TOP
        if name != TOP:
            commands = _subcommands()
            if name not in commands:
                raise self.error(
                    f"cli-help: 'skfashion {name}' is not a command of "
                    f"skfashion.cli.build_parser(); its commands are "
                    f"{', '.join(commands)}."
                )
            parser = commands[name]
        text = _help_text(parser)
        # Rebuild this page when skfashion changes: the help reads the
        # classifiers' defaults too.
        for module in list(sys.modules.values()):
            path = getattr(module, "__file__", None)
            if path and getattr(module, "__name__", "").startswith("skfashion"):
                self.env.note_dependency(path)
        rendered = _rendered(self.env)
        rendered.setdefault(self.env.docname, set()).add(name)
        block = nodes.literal_block(text, text, language="text")
        self.set_source_info(block)
        return [block]


def _rendered(env) -> dict[str, set[str]]:
    if not hasattr(env, "skfashion_cli_help"):
        env.skfashion_cli_help = {}
    return env.skfashion_cli_help


def _purge(app, env, docname) -> None:
    _rendered(env).pop(docname, None)


def _merge(app, env, docnames, other) -> None:
    for docname in docnames:
        if docname in _rendered(other):
            _rendered(env)[docname] = _rendered(other)[docname]


def _check_every_command_rendered(app, env) -> None:
    shown = set().union(*_rendered(env).values()) if _rendered(env) else set()
    if not shown:
        return  # no page uses the directive (a partial build)
    expected = {TOP, *_subcommands()}
    for name in sorted(expected - shown):
        command = f"skfashion {name}".strip()
        directive = f".. cli-help:: {name}".strip()
        logger.warning(
            f"cli-help: no page shows the help of '{command}'; add "
            f"'{directive}' to docs/cli.rst.",
            type="cli_help",
        )


def setup(app):
    app.add_directive("cli-help", CliHelp)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("env-check-consistency", _check_every_command_rendered)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
