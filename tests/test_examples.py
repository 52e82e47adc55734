"""Every example runs, on the real data, so none can rot."""

import runpy
import sys
from pathlib import Path

import matplotlib
import pytest

EXAMPLES = sorted((Path(__file__).parents[1] / "examples").glob("plot_*.py"))


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(path, fashion_home, real_data_dir, monkeypatch):
    matplotlib.use("Agg")
    monkeypatch.setenv("SKFASHION_DATA", str(fashion_home))
    monkeypatch.setenv("SKFASHION_MIRRORS", real_data_dir.as_uri())
    # Run by hand, the examples train on all the data; in their quick mode
    # (the docs build) on a subset; here, on top of it, tiny fits of a few
    # hundred images and 2 epochs: this checks that they run, not how well
    # they score.
    monkeypatch.setenv("SKFASHION_EXAMPLES_QUICK", "1")
    monkeypatch.setenv("SKFASHION_EXAMPLES_TEST", "1")
    monkeypatch.chdir(path.parent)
    # As ``python examples/plot_x.py`` and the docs build have it: the
    # examples import their modes from examples/_gallery_modes.py.
    monkeypatch.syspath_prepend(str(path.parent))
    monkeypatch.delitem(sys.modules, "_gallery_modes", raising=False)
    runpy.run_path(str(path), run_name="__main__")
    import matplotlib.pyplot as plt

    assert plt.get_fignums(), f"{path.name} drew no figure"
    plt.close("all")
