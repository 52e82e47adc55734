"""The ``project-requirements`` directive: the dependencies, read from pyproject.toml.

``docs/install.rst`` lists what skfashion needs as ``pyproject.toml`` declares
it, so the page cannot drift from the package::

    .. project-requirements::

    .. project-requirements:: test

The first lists ``requires-python`` and ``[project] dependencies``, the second
the ``test`` extra of
``[project.optional-dependencies]``; an unknown extra is an error.
"""

from __future__ import annotations

from pathlib import Path

from docutils import nodes
from sphinx.util.docutils import SphinxDirective

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _project_table() -> dict:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib
    with open(PYPROJECT, "rb") as stream:
        return tomllib.load(stream)["project"]


class ProjectRequirements(SphinxDirective):
    """``.. project-requirements:: [EXTRA]``: a bullet list of requirements."""

    optional_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        project = _project_table()
        self.env.note_dependency(str(PYPROJECT))
        if self.arguments:
            extras = project.get("optional-dependencies", {})
            extra = self.arguments[0]
            if extra not in extras:
                raise self.error(
                    f"project-requirements: pyproject.toml has no extra "
                    f"{extra!r}; it has {', '.join(extras)}."
                )
            requirements = extras[extra]
        else:
            python = project.get("requires-python", "")
            requirements = [f"python{python}", *project["dependencies"]]
        items = nodes.bullet_list()
        for requirement in requirements:
            item = nodes.list_item()
            item += nodes.paragraph("", "", nodes.literal(requirement, requirement))
            items += item
        return [items]


def setup(app):
    app.add_directive("project-requirements", ProjectRequirements)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
