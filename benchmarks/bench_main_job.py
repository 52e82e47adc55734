"""How long the README's main job, ``skfashion train``, takes, in REF units.

Run: ``python benchmarks/bench_main_job.py [-- TRAIN OPTIONS]``

Measures the reference workload of ``bench_classifiers.py`` (plain Keras,
one epoch of the default CNN architecture over 20,000 images; see its
docstring), runs ``skfashion train`` as a separate process on the same cores
into a temporary folder, measures the reference again, and prints the job's
wall-clock time in seconds and as a multiple of the reference (REF units).
Options after ``--`` go to ``skfashion train`` (for example ``--model ann``
or ``--n-train 2000 --epochs 1`` for a quick trial). The data comes from the
usual cache, as for ``skfashion train`` itself; pin the whole run to cores
with ``taskset`` to control what it runs on.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_classifiers import load_data, measure_ref


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("train_options", nargs="*", help="options of skfashion train")
    args = parser.parse_args()

    _, _, _, _, _, ref_data = load_data(select=False, n_train=None)
    ref_before = measure_ref(*ref_data)
    print(f"# REF (before): {ref_before:.2f} s", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "skfashion", "train", "--output-dir"]
        command += [folder, "-q", *args.train_options]
        print("# " + " ".join(command), flush=True)
        start = time.perf_counter()
        subprocess.run(command, check=True)
        job_s = time.perf_counter() - start
        summary = json.loads((Path(folder) / "summary.json").read_text())
    ref_after = measure_ref(*ref_data)
    print(f"# REF (after): {ref_after:.2f} s", flush=True)
    ref_s = statistics.mean([ref_before, ref_after])

    rows = [("skfashion train, wall clock", job_s, "")]
    for model in summary["models"]:
        accuracy = f"{100 * model['test_accuracy']:.2f}%"
        what = f"  of which {model['model']} fit"
        rows.append((what, model["fit_seconds"], accuracy))
    print(f"\n{'what':<30} {'seconds':>8} {'REF units':>9} {'test acc':>9}")
    for what, seconds, accuracy in rows:
        print(f"{what:<30} {seconds:8.1f} {seconds / ref_s:9.1f} {accuracy:>9}")
    print(
        f"\nREF = {ref_s:.2f} s (before {ref_before:.2f} s, after "
        f"{ref_after:.2f} s); REF units = seconds / REF."
    )


if __name__ == "__main__":
    main()
