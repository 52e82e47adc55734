"""The defaults that docstrings state are the code's.

Defaults are stated only in docstrings (rendered by the API reference) and
in ``skfashion train --help`` (which reads them from the signatures). This
test keeps the docstrings true: every ``name : type, default=value`` line of
a public class or function must give the signature's default, and every
parameter with a default must state it.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from numbers import Number

import pytest

MODULES = [
    "skfashion",
    "skfashion.datasets",
    "skfashion.callbacks",
    "skfashion.plotting",
    "skfashion.utils",
]
# A parameter line of a numpydoc section: "name : type[, default=value]".
_PARAMETER = re.compile(
    r"^(?P<indent>\s*)(?P<name>\*{0,2}\w+(?:, \*{0,2}\w+)*) : (?P<type>.*)$"
)
_DEFAULT = re.compile(r",\s*default=(?P<value>.+)$")
_SECTION = re.compile(r"^\s*-{3,}\s*$")


def _public_objects():
    seen = {}
    for module_name in MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue  # an exception's arguments are its message
            if inspect.isclass(obj) or inspect.isfunction(obj):
                seen.setdefault(f"{obj.__module__}.{obj.__qualname__}", obj)
    return seen


def _documented_defaults(doc: str) -> dict[str, str | None]:
    """Parameter name -> the text after ``default=`` (None: no default)."""
    lines = inspect.cleandoc(doc).splitlines()
    params: dict[str, str | None] = {}
    in_parameters = False
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and _SECTION.match(lines[i + 1]):
            in_parameters = line.strip() in ("Parameters", "Other Parameters")
            continue
        match = _PARAMETER.match(line)
        if in_parameters and match and not match["indent"]:
            default = _DEFAULT.search(match["type"])
            for name in match["name"].split(", "):
                params[name] = default["value"].strip() if default else None
    return params


def _same(text: str, value) -> bool:
    try:
        stated = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        # Names such as np.float32.
        return text in (repr(value), f"np.{getattr(value, '__name__', '')}")
    if isinstance(stated, Number) and isinstance(value, Number):
        return stated == value and isinstance(stated, bool) == isinstance(value, bool)
    return type(stated) is type(value) and stated == value


@pytest.mark.parametrize("name, obj", sorted(_public_objects().items()))
def test_docstring_defaults_are_the_signatures(name, obj):
    doc = inspect.getdoc(obj)
    assert doc, f"{name} has no docstring"
    documented = _documented_defaults(doc)
    signature = inspect.signature(obj)
    problems = []
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            continue
        if parameter.name not in documented:
            problems.append(f"{parameter.name} is not documented")
            continue
        stated = documented[parameter.name]
        if parameter.default is parameter.empty:
            if stated is not None:
                problems.append(f"{parameter.name} has no default, doc: {stated}")
        elif stated is None:
            problems.append(
                f"{parameter.name}: the docstring does not state the default "
                f"{parameter.default!r}"
            )
        elif not _same(stated, parameter.default):
            problems.append(
                f"{parameter.name}: the docstring says default={stated}, the "
                f"signature {parameter.default!r}"
            )
    assert not problems, f"{name}: " + "; ".join(problems)


def test_the_parser_reads_numpydoc_parameters():
    doc = """Summary.

    Parameters
    ----------
    a : int, default=3
        Text: b : not a parameter, default=4.
    c, d : str
        Two at once.

    Returns
    -------
    e : float, default=1.0
        Not a parameter.
    """
    assert _documented_defaults(doc) == {"a": "3", "c": None, "d": None}
    assert _same('"relu"', "relu") and _same("(16, 64)", (16, 64))
    assert _same("1e-4", 0.0001) and _same("None", None)
    assert not _same("0", False) and not _same("(16, 64)", [16, 64])


def _parameter_blocks(doc: str) -> dict[str, str]:
    """Parameter name -> its type line and description, as written."""
    lines = inspect.cleandoc(doc).splitlines()
    blocks: dict[str, list[str]] = {}
    name = None
    for i, line in enumerate(lines):
        if i + 1 < len(lines) and _SECTION.match(lines[i + 1]):
            name = None
            continue
        match = _PARAMETER.match(line)
        if match and not match["indent"]:
            name = match["name"]
            blocks[name] = [line]
        elif name and (line.startswith(" ") or not line):
            blocks[name].append(line)
        else:
            name = None
    return {key: "\n".join(value).strip() for key, value in blocks.items()}


def test_the_classifiers_describe_their_shared_parameters_alike():
    # Each classifier's docstring is written out in its file, as
    # scikit-learn writes MLPClassifier's; what the two share must read the
    # same, defaults apart (those are checked against the signatures above).
    from skfashion import ANNClassifier, CNNClassifier

    ann = _parameter_blocks(ANNClassifier.__doc__)
    cnn = _parameter_blocks(CNNClassifier.__doc__)
    shared = set(inspect.signature(ANNClassifier).parameters) & set(
        inspect.signature(CNNClassifier).parameters
    )
    # Each network's own layers, and its own meaning of "auto" (below).
    shared -= {"dropout", "batch_normalization", "epochs", "batch_size"}
    assert len(shared) >= 13
    for name in sorted(shared):
        key = "**kwargs" if name == "kwargs" else name
        assert _without_default(ann[key]) == _without_default(cnn[key]), name


def _without_default(block: str) -> str:
    first, _, rest = block.partition("\n")
    return _DEFAULT.sub("", first) + "\n" + rest


def test_the_prediction_figures_in_the_docstrings_are_the_codes():
    from skfashion import ANNClassifier, CNNClassifier
    from skfashion._inference import FAST_PREDICT_MAX_ROWS, PREDICT_BATCH_SIZE

    stated = (
        f"predictions on more than\n{FAST_PREDICT_MAX_ROWS:,} images; "
        f"{PREDICT_BATCH_SIZE} by default"
    )
    for cls in (ANNClassifier, CNNClassifier):
        text = " ".join(inspect.getdoc(cls).split())
        assert " ".join(stated.split()) in text, cls.__name__


def test_the_classifiers_state_their_auto_budget():
    from skfashion import ANNClassifier, CNNClassifier
    from skfashion._fit_plan import MIN_BATCH_SIZE, MIN_STEPS_PER_EPOCH

    for cls in (ANNClassifier, CNNClassifier):
        auto = cls._auto_budget
        blocks = _parameter_blocks(cls.__doc__)
        epochs = " ".join(blocks["epochs"].split())
        batch = " ".join(blocks["batch_size"].split())
        assert f'``"auto"``: {auto.epochs}, or on smaller data' in epochs
        assert f"as many as make {auto.min_steps:,} optimizer steps" in epochs
        assert f'``"auto"``: {auto.batch_size}, or 1/{MIN_STEPS_PER_EPOCH} ' in batch
        assert f"({MIN_BATCH_SIZE} at least)" in batch
