"""The seam to scikeras, and the rule that private names stay private.

skfashion's classifiers are scikeras estimators but override none of its
private methods; the few private names of scikeras they rely on, and every
other use of a private API, live in ``skfashion/_wrapper.py``. These tests
fail loudly, naming the name, when a scikeras release or a change of ours
breaks that.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import inspect
import pkgutil
from pathlib import Path

import pytest
from scikeras.wrappers import BaseWrapper

import skfashion
from skfashion import ANNClassifier, CNNClassifier

PACKAGE = Path(skfashion.__file__).parent
# The one module allowed to use private APIs of other libraries.
COMPAT = PACKAGE / "_wrapper.py"


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _class_body_names(cls) -> set[str]:
    """The names a class's own source defines in its body (not inherited)."""
    tree = ast.parse(inspect.getsource(cls))
    body = tree.body[0].body
    names = set()
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def _overridden_private_names(cls) -> dict[str, str]:
    """{private name: the outside class that has it} that skfashion redefines."""
    outside = [
        base
        for base in cls.__mro__
        if not base.__module__.startswith("skfashion") and base is not object
    ]
    found = {}
    for klass in cls.__mro__:
        if not klass.__module__.startswith("skfashion"):
            continue
        for name in _class_body_names(klass):
            owners = [base for base in outside if hasattr(base, name)]
            if _private(name) and owners:
                found[name] = f"{owners[0].__module__}.{owners[0].__qualname__}"
    return found


@pytest.mark.parametrize("cls", [ANNClassifier, CNNClassifier])
def test_no_private_scikeras_hook_is_overridden(cls):
    # At most four may ever be (issue 26); today none is. Each one added
    # must be listed in skfashion/_wrapper.py's docstring with its reason.
    assert issubclass(cls, BaseWrapper)
    assert _overridden_private_names(cls) == {}


def test_no_skfashion_class_overrides_an_outside_private_method():
    problems = []
    for module in _modules():
        if Path(module.__file__) == COMPAT:
            continue
        for obj in vars(module).values():
            if inspect.isclass(obj) and obj.__module__ == module.__name__:
                for name, owner in _overridden_private_names(obj).items():
                    problems.append(f"{obj.__qualname__}.{name} (of {owner})")
    assert not problems, (
        "These override private methods of other libraries; use their public "
        "API, or move the override into skfashion/_wrapper.py: " + ", ".join(problems)
    )


# What skfashion relies on in scikeras, as documented in _wrapper.py.
def test_the_scikeras_names_skfashion_relies_on_are_there():
    assert list(inspect.signature(BaseWrapper._get_param_names).parameters) == [
        "self"
    ], "scikeras changed BaseWrapper._get_param_names(self)"
    assert {"model", "fit", "predict", "optimizer"} <= set(
        BaseWrapper._routing_prefixes
    ), "scikeras changed BaseWrapper._routing_prefixes"
    assert list(inspect.signature(BaseWrapper.set_params).parameters) == [
        "self",
        "params",
    ], "scikeras changed BaseWrapper.set_params(self, **params)"
    assert isinstance(BaseWrapper.current_epoch, property), (
        "scikeras changed BaseWrapper.current_epoch (a property)"
    )


def test_routed_parameters_work_through_scikeras():
    est = ANNClassifier(optimizer__beta_1=0.8)
    est.set_params(fit__verbose=0, model__dropout=0.2)
    params = est.get_params()
    assert params["optimizer__beta_1"] == 0.8
    assert params["fit__verbose"] == 0 and params["model__dropout"] == 0.2
    assert type(est)(**est.get_params()).get_params() == params


# --------------------------------------------------- private names, by AST
def _modules():
    for info in pkgutil.walk_packages([str(PACKAGE)], "skfashion."):
        yield importlib.import_module(info.name)


def _defined_private_names() -> dict[str, set[Path]]:
    """{private name: the skfashion files that define or assign it}."""
    defined: dict[str, set[Path]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                names = [node.name]
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                targets = (
                    node.targets if isinstance(node, ast.Assign) else [node.target]
                )
                for target in targets:
                    for sub in ast.walk(target):
                        if isinstance(sub, ast.Name):
                            names.append(sub.id)
                        elif isinstance(sub, ast.Attribute):
                            names.append(sub.attr)
            for name in names:
                if _private(name):
                    defined.setdefault(name, set()).add(path)
    return defined


class _PrivateUses(ast.NodeVisitor):
    """Uses of private names that belong to another library or module."""

    def __init__(self, path: Path, defined: dict[str, set[Path]]):
        self.path, self.defined, self.problems = path, defined, []
        self.bases: list[set[str]] = [set()]

    def _report(self, node, what):
        self.problems.append(
            f"{self.path.relative_to(PACKAGE.parent)}:{node.lineno}: {what}"
        )

    def visit_ClassDef(self, node):
        self.bases.append({ast.unparse(base) for base in node.bases})
        self.generic_visit(node)
        self.bases.pop()

    def visit_ImportFrom(self, node):
        own = node.level > 0 or (node.module or "").startswith("skfashion")
        module = node.module or ""
        if not own and any(_private(part) for part in module.split(".")):
            self._report(node, f"import from the private module {module}")
        for alias in node.names:
            if _private(alias.name) and not (own and self._is_module(node, alias.name)):
                self._report(node, f"import of the private name {alias.name}")
        self.generic_visit(node)

    def _is_module(self, node, name) -> bool:
        package = (
            importlib.util.resolve_name(
                "." * node.level + (node.module or ""), self._package()
            )
            if node.level
            else node.module
        )
        return importlib.util.find_spec(f"{package}.{name}") is not None

    def _package(self) -> str:
        parts = self.path.relative_to(PACKAGE.parent).with_suffix("").parts
        return ".".join(parts[:-1]) if parts[-1] != "__init__" else ".".join(parts)

    def visit_Attribute(self, node):
        if _private(node.attr):
            owner = node.value
            is_self = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
            is_super = (
                isinstance(owner, ast.Call)
                and isinstance(owner.func, ast.Name)
                and owner.func.id == "super"
            )
            if is_self or is_super:
                if node.attr not in self.defined:
                    self._report(node, f"another library's private {node.attr}")
            elif ast.unparse(owner) in self.bases[-1]:
                pass  # a base class's attribute, in a subclass's body
            elif self.path not in self.defined.get(node.attr, set()):
                self._report(node, f"private {ast.unparse(node)} of another module")
        self.generic_visit(node)


def test_no_module_uses_another_modules_or_librarys_private_names():
    defined = _defined_private_names()
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == COMPAT:
            continue
        visitor = _PrivateUses(path, defined)
        visitor.visit(ast.parse(path.read_text()))
        problems += visitor.problems
    assert not problems, (
        "Private names used outside their module (use a public name, or move "
        "the use of another library's private API into skfashion/_wrapper.py "
        "with a comment naming the public API it stands in for):\n"
        + "\n".join(problems)
    )


def test_the_private_name_rule_catches_what_it_should(tmp_path):
    source = """
from sklearn.utils import _safe_indexing
from sklearn.utils._param_validation import Interval
from .. import _inspect

class A(Base):
    x = Base._table

    def f(self, estimator):
        estimator._validate_data(1)
        self._not_ours()
        super()._neither()
        _inspect.final_estimator(estimator)
"""
    path = PACKAGE / "callbacks" / "_probe_for_the_test.py"
    visitor = _PrivateUses(path, {"_table": {PACKAGE / "other.py"}})
    visitor.visit(ast.parse(source))
    found = "\n".join(visitor.problems)
    assert "private name _safe_indexing" in found
    assert "private module sklearn.utils._param_validation" in found
    assert "estimator._validate_data of another module" in found
    assert "private _not_ours" in found and "private _neither" in found
    assert "_inspect" not in found and "_table" not in found
    assert len(visitor.problems) == 5
