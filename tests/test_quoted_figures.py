"""Figures quoted outside docs/benchmarks.rst are the ones measured there.

Machine-dependent figures live in docs/benchmarks.rst. The README states one
of them, the duration of its main job (``skfashion train``), so that a new
user knows what to expect before running it; this keeps the two equal.
"""

import re
from pathlib import Path

ROOT = Path(__file__).parents[1]

# "**48 REF units** (13 minutes" in both files.
MAIN_JOB = re.compile(r"\*\*(\d+) REF units\*\* \((\d+) minutes")


def quoted(path: Path) -> list[tuple[str, str]]:
    return MAIN_JOB.findall(path.read_text(encoding="utf-8"))


def test_readme_quotes_the_main_job_duration_measured_in_the_benchmarks():
    measured = quoted(ROOT / "docs" / "benchmarks.rst")
    in_readme = quoted(ROOT / "README.md")
    assert len(measured) == 1, "docs/benchmarks.rst states the main job's duration once"
    assert in_readme == measured, (
        f"README.md quotes the main job as {in_readme}, docs/benchmarks.rst "
        f"measured {measured} (REF units, minutes): copy the measurement"
    )
