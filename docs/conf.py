"""Sphinx configuration of skfashion's documentation.

Build: ``python -m sphinx -W -b html docs docs/_build/html``. The example
gallery is built from ``examples/`` without running the examples, unless
``SKFASHION_DOCS_RUN_EXAMPLES=1`` is set (then each example trains on the
full data, which takes about half an hour on a 2-core CPU; add
``SKFASHION_EXAMPLES_QUICK=1`` to train on small subsets instead).
"""

import os
import re

import skfashion

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

_run_examples = os.environ.get("SKFASHION_DOCS_RUN_EXAMPLES", "0") == "1"
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
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
    "github_url": "https://github.com/skfashion/skfashion",
    "navigation_with_keys": False,
    "show_toc_level": 2,
}
html_static_path = []
html_show_sourcelink = False


# Methods inherited from scikit-learn (``score``, ``set_output``, ...) keep
# their docstrings, whose :ref: and :term: roles point into scikit-learn's
# own documentation. Without intersphinx (the build must work offline) they
# cannot resolve, so they are shown as plain text.
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


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_roles)
