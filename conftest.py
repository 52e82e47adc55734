"""Setup of the examples in skfashion's docstrings, which pytest runs as doctests.

``pyproject.toml`` puts ``skfashion`` in pytest's ``testpaths`` with
``--doctest-modules``, so ``python -m pytest`` runs every ``>>>`` example of
the package. Each example runs:

- in a new temporary working folder, so that what it writes (``runs/`` of
  the TensorBoard callbacks, IDX files) goes away with it;
- with an empty temporary data cache (``SKFASHION_DATA``) that downloads
  from the official Fashion-MNIST files beside the project, the same files
  as the tests' (``SKFASHION_TEST_DATA``), through a ``file://`` mirror
  (``SKFASHION_MIRRORS``): no network. Examples that load Fashion-MNIST are
  skipped, saying why, when those files are absent (under ``CI=true`` they
  fail instead);
- with matplotlib's non-interactive Agg backend, its figures closed after.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

REAL_DATA = Path(
    os.environ.get(
        "SKFASHION_TEST_DATA",
        Path(__file__).resolve().parent.parent / "shared" / "data" / "fashion-mnist",
    )
)
_NEEDS_DATA = "fetch_fashion_mnist("
_OFFICIAL_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


@pytest.fixture(scope="session")
def _doctest_data_home(tmp_path_factory) -> Path:
    """One empty cache per session, filled on first use from REAL_DATA."""
    return tmp_path_factory.mktemp("skfashion_data")


@pytest.fixture(autouse=True)
def _doctest_environment(request):
    dtest = getattr(request.node, "dtest", None)  # only doctest items have one
    if dtest is None:  # a test of tests/: nothing to set up
        yield
        return
    if any(_NEEDS_DATA in example.source for example in dtest.examples):
        if not all((REAL_DATA / name).is_file() for name in _OFFICIAL_FILES):
            message = (
                f"the official Fashion-MNIST files are not in {REAL_DATA}; set "
                "SKFASHION_TEST_DATA to the folder that holds them"
            )
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(message)
            pytest.skip(message)
    monkeypatch = request.getfixturevalue("monkeypatch")
    monkeypatch.chdir(request.getfixturevalue("tmp_path"))
    data_home = request.getfixturevalue("_doctest_data_home")
    monkeypatch.setenv("SKFASHION_DATA", str(data_home))
    monkeypatch.setenv("SKFASHION_MIRRORS", REAL_DATA.as_uri())
    yield
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
