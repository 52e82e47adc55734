#!/usr/bin/env bash
# Release readiness: build the sdist and the wheel (the wheel from the sdist, as
# PyPI users would), check both with twine, install the wheel in a fresh
# virtualenv and use it there as a user would (.ci/check_wheel.py).
#
# Run it from a virtualenv that has build and twine (pip install build twine):
#   bash .ci/check_release.sh [DIST_DIR]
# DIST_DIR (default: a new temporary folder) receives the sdist and the wheel.
# The data comes from SKFASHION_TEST_DATA (default ../shared/data/fashion-mnist)
# through a file:// mirror: no network but the package index.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
dist="${1:-$work/dist}"
data="${SKFASHION_TEST_DATA:-$(dirname "$root")/shared/data/fashion-mnist}"
mirror="$(python -c 'import pathlib, sys; print(pathlib.Path(sys.argv[1]).resolve().as_uri())' "$data")"

echo "-- build: sdist, then the wheel from it"
python -m build --outdir "$dist" "$root"
ls -l "$dist"

echo "-- twine check"
python -m twine check --strict "$dist"/*

echo "-- the wheel in a fresh virtualenv"
python3 -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet --upgrade pip
"$work/venv/bin/python" -m pip install --quiet "$dist"/skfashion-*.whl
# -I: neither the source tree nor PYTHONPATH can shadow the installed package.
cp "$root/.ci/check_wheel.py" "$work/"
(cd "$work" && "$work/venv/bin/python" -I check_wheel.py "$mirror")
rm -rf "$work/venv"
