"""The configurations the user guide shows are the ones the benchmarks measure.

``docs/user_guide/models.rst`` shows the stronger CNN as code; the figures
of docs/benchmarks.rst are measured with ``CONFIGS["cnn-strong"]`` of
``benchmarks/bench_classifiers.py``. One is written from the other, so this
keeps them equal (text only: nothing is trained).
"""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).parents[1]


def _assigned_configs() -> dict:
    """``CONFIGS`` of bench_classifiers.py, read without importing it."""
    tree = ast.parse((ROOT / "benchmarks" / "bench_classifiers.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "CONFIGS":
            return {
                ast.literal_eval(key): ast.literal_eval(value.elts[1])
                for key, value in zip(node.value.keys, node.value.values, strict=True)
            }
    raise AssertionError("bench_classifiers.py no longer assigns CONFIGS")


def _user_guide_strong_cnn() -> dict:
    text = (ROOT / "docs" / "user_guide" / "models.rst").read_text()
    pattern = r'CONFIGS\["cnn-strong"\].*?(CNNClassifier\(.*?\n   \))'
    block = re.search(pattern, text, re.S)
    assert block, 'models.rst no longer shows the CONFIGS["cnn-strong"] code block'
    call = ast.parse(block.group(1).replace("\n   ", "\n")).body[0].value
    return {keyword.arg: ast.literal_eval(keyword.value) for keyword in call.keywords}


def test_user_guide_shows_the_strong_cnn_the_benchmarks_measure():
    assert _user_guide_strong_cnn() == _assigned_configs()["cnn-strong"]
