"""Checks of the project's own machinery: CI's test-data check and the pins of
the oldest supported dependencies."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import OFFICIAL_FILES
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / ".ci" / "oldest-constraints.txt"


def _collect_only(data_dir: Path, ci: str) -> subprocess.CompletedProcess:
    """``python -m pytest --co`` of this light module, under CI=``ci``."""
    env = {**os.environ, "CI": ci, "SKFASHION_TEST_DATA": str(data_dir)}
    this_module = str(Path(__file__).relative_to(ROOT))
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--co",
            "-q",
            "-p",
            "no:cacheprovider",
            this_module,
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_ci_fails_at_once_without_the_test_data(tmp_path):
    missing_dir = tmp_path / "nonexistent"
    result = _collect_only(missing_dir, "true")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout
    message = result.stderr
    assert "CI=true and 4 of the 4 official Fashion-MNIST files" in message
    for name in OFFICIAL_FILES:
        assert name in message
    assert f"Folder searched: {missing_dir} (named by SKFASHION_TEST_DATA)" in message
    assert "set SKFASHION_TEST_DATA to the folder that holds them" in message
    assert "collected" not in result.stdout  # it stopped before collecting


def test_ci_names_only_the_missing_files(tmp_path):
    present, absent = OFFICIAL_FILES[2:], OFFICIAL_FILES[:2]
    for name in present:
        (tmp_path / name).touch()
    result = _collect_only(tmp_path, "true")
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, result.stdout
    first_line = result.stderr.splitlines()[0]
    assert "2 of the 4" in first_line
    assert all(name in first_line for name in absent)
    assert not any(name in first_line for name in present)


def test_outside_ci_missing_data_only_skips(tmp_path):
    result = _collect_only(tmp_path / "nonexistent", "")
    assert result.returncode == pytest.ExitCode.OK, result.stderr
    assert "Fashion-MNIST" not in result.stderr


def _lower_bounds() -> dict[str, Version]:
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    bounds = {}
    for line in project["dependencies"]:
        requirement = Requirement(line)
        lower = [s.version for s in requirement.specifier if s.operator == ">="]
        assert len(lower) == 1, f"{line!r} in pyproject.toml needs one '>=' bound"
        bounds[canonicalize_name(requirement.name)] = Version(lower[0])
    return bounds


def _pins() -> dict[str, Version]:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            requirement = Requirement(line)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", f"{line!r} must pin with '=='"
            pins[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pins


def test_oldest_constraints_pin_exactly_the_declared_lower_bounds():
    # CI installs .ci/oldest-constraints.txt in a second virtualenv and runs the
    # fast tests there: the bounds pyproject.toml declares are the ones tested.
    assert _pins() == _lower_bounds()
