"""Every example runs, on the real data, so none can rot."""

import runpy
from pathlib import Path

import matplotlib
import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, fashion_home, real_data_dir, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.setenv("SKFASHION_DATA", str(fashion_home))
    monkeypatch.setenv("SKFASHION_MIRRORS", real_data_dir.as_uri())
    # Examples train on a subset here; run by hand they use all the data.
    monkeypatch.setenv("SKFASHION_EXAMPLES_QUICK", "1")
    monkeypatch.chdir(path.parent)
    runpy.run_path(str(path), run_name="__main__")
    import matplotlib.pyplot as plt

    assert plt.get_fignums(), f"{path.name} drew no figure"
    plt.close("all")
