"""Figures quoted outside docs/benchmarks.rst are the ones measured there.

Machine-dependent figures live in docs/benchmarks.rst. The README states one
of them, the duration of its main job (``skfashion train``), so that a new
user knows what to expect before running it; this keeps the two equal.

It compares text only and times nothing: the figure is measured by
``benchmarks/bench_main_job.py`` and written into docs/benchmarks.rst.
"""

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]

# "**48 REF units** (13 minutes" in both files.
MAIN_JOB = re.compile(r"\*\*(\d+) REF units\*\* \((\d+) minutes")


def quoted(path: Path) -> list[tuple[str, str]]:
    return MAIN_JOB.findall(path.read_text(encoding="utf-8"))


def test_readme_copies_the_main_job_figure_of_the_benchmarks_page():
    measured = quoted(ROOT / "docs" / "benchmarks.rst")
    in_readme = quoted(ROOT / "README.md")
    assert len(measured) == 1, (
        "docs/benchmarks.rst must quote the main job's measured duration "
        "exactly once (the text this test compares)"
    )
    assert in_readme == measured, (
        f"README.md quotes the main job as {in_readme}, docs/benchmarks.rst "
        f"measured {measured} (REF units, minutes): copy the measurement"
    )
