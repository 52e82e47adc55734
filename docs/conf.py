"""Sphinx configuration of skfashion's documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html``. The example
gallery is built from ``examples/`` without running the examples, unless
``SKFASHION_DOCS_RUN_EXAMPLES=1`` is set (then each example trains on the
full data, as long as the fits of docs/benchmarks.rst; add
``SKFASHION_EXAMPLES_QUICK=1``, as CI does, to train the same estimators
on subsets instead, typically the first 3,000 training images). The
examples read these variables through ``examples/_gallery_modes.py``, in
``# sphinx_gallery_start_ignore`` blocks, which the rendered pages leave out.
"""

import os
import re
import sys
from pathlib import Path

from sphinx.util import logging

import skfashion

# docs/_ext: the cli-help directive (the command line's help, from its parser)
# and project-requirements (the dependencies, from pyproject.toml).
sys.path.insert(0, str(Path(__file__).parent / "_ext"))

project = "skfashion"
author = "The skfashion developers"
copyright = "The skfashion developers"
release = skfashion.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "cli_help",
    "project_requirements",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "README.md", "sg_execution_times.rst"]
root_doc = "index"
default_role = "literal"

# API reference: one generated page per public name (docs/generated/).
autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
autodoc_typehints = "none"  # the numpydoc sections already give the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False

# numpydoc validates every docstring the API reference renders; with -W (as
# CI builds) a failing check fails the build. "all" checks, minus these:
numpydoc_validation_checks = {
    "all",
    # RT02: scikit-learn's convention names what is returned ("self :
    # object", "X_scaled : ndarray"), which RT02 forbids.
    "RT02",
    # ES01 (extended summary), SA01 (See Also), EX01 (Examples): required of
    # every public class and function by _require_sections below, not of
    # methods (fit, predict, and those inherited from scikit-learn).
    "ES01",
    "SA01",
    "EX01",
}

_run_examples = os.environ.get("SKFASHION_DOCS_RUN_EXAMPLES", "0") == "1"
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    # The examples' modes (quick in this build), not an example.
    "ignore_pattern": r"__init__\.py|_gallery_modes\.py",
    "plot_gallery": _run_examples,
    "download_all_examples": False,
    "doc_module": ("skfashion",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    # The examples print what they want shown; the values of last
    # expressions (a plot title, a Figure) would only add noise.
    "capture_repr": (),
}

html_theme = "pydata_sphinx_theme"
html_title = f"skfashion {release}"
html_theme_options = {
    # No project URL: the project has no public repository yet.
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []
html_show_sourcelink = False


# Methods inherited from scikit-learn (``score``, ``set_output``, ...) keep
# their docstrings, whose :ref: and :term: roles point into scikit-learn's
# own documentation. Without intersphinx (the build must work offline) they
# cannot resolve, so they are shown as plain text.
_logger = logging.getLogger("skfashion.docs")
_SKLEARN_ROLE = re.compile(r":(?:ref|term):`(?:([^`<]*?)\s*<[^`>]*>|([^`]*))`")


def _sklearn_role_text(match):
    title, label = match.groups()
    if title:
        return title
    if label.startswith("sphx_glr_"):
        return "scikit-learn's example plot_" + label.rsplit("_plot_", 1)[-1]
    return label


def _unlink_sklearn_roles(app, what, name, obj, options, lines):
    if getattr(obj, "__module__", "").startswith("sklearn."):
        lines[:] = [_SKLEARN_ROLE.sub(_sklearn_role_text, line) for line in lines]


# Checks that numpydoc_validation_checks leaves out for methods, and that
# skfashion's public classes and functions must pass, as in scikit-learn.
_TOP_LEVEL_CHECKS = ("ES01", "SA01", "EX01")


_checked = set()  # autosummary and autodoc both process each docstring


def _require_sections(app, what, name, obj, options, lines):
    if what not in ("class", "function") or not name.startswith("skfashion."):
        return
    if name in _checked:
        return
    _checked.add(name)
    from numpydoc.validate import validate

    for code, message in validate(name)["errors"]:
        if code in _TOP_LEVEL_CHECKS:
            _logger.warning(f"{name}: {code} {message}", type="numpydoc")


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_roles)
    app.connect("autodoc-process-docstring", _require_sections)
