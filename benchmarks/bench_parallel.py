"""A small grid search run one fit at a time, on 2 joblib processes, on Dask.

Run: ``python benchmarks/bench_parallel.py [--data DIR] [--rows N]``

The search is ``Pipeline(MinMax255(), ANNClassifier(...))`` over 2 learning
rates with 2-fold cross-validation (4 fits, then the refit of the best) on the
first ``N`` training images. It runs three ways, with the same
``random_state``:

- ``n_jobs=1``: every fit in this process;
- ``n_jobs=2``: joblib's default process backend (loky), 2 worker processes;
- ``dask``: ``joblib.parallel_backend("dask")`` on a ``LocalCluster`` of 2
  worker processes with 1 thread each, on 127.0.0.1.

Each worker limits TensorFlow to 1 intra-op and 1 inter-op thread with the
``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS`` environment
variables. Each parallel search runs twice: the first time the workers start
and import TensorFlow (``cold``), the second time they are reused (``warm``).
The table gives the wall-clock time of each search and whether its
``mean_test_score`` equals the one of ``n_jobs=1``. ``DIR`` holds the four
official ``.gz`` files (default ``../shared/data/fashion-mnist`` beside the
project).
"""

from __future__ import annotations

import argparse
import logging
import os
import tempfile
import time
from pathlib import Path

import joblib
import numpy as np
from joblib.externals.loky import get_reusable_executor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skfashion import ANNClassifier, MinMax255, fetch_fashion_mnist

DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist"
TF_ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}


def make_search(n_jobs: int | None = None) -> GridSearchCV:
    pipeline = Pipeline(
        [
            ("scale", MinMax255()),
            (
                "ann",
                ANNClassifier(
                    hidden_layer_sizes=(16,), epochs=1, batch_size=32, random_state=0
                ),
            ),
        ]
    )
    grid = {"ann__learning_rate": [1e-2, 3e-2]}
    return GridSearchCV(pipeline, grid, cv=2, n_jobs=n_jobs)


def timed_search(X, y, n_jobs=None) -> tuple[float, np.ndarray]:
    start = time.perf_counter()
    search = make_search(n_jobs).fit(X, y)
    return time.perf_counter() - start, search.cv_results_["mean_test_score"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--rows", type=int, default=300)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        X, y = fetch_fashion_mnist(
            subset="test", data_home=home, mirrors=[args.data.as_uri()], return_X_y=True
        )
    X, y = np.array(X[: args.rows]), y[: args.rows]

    rows = []
    seconds, reference = timed_search(X, y, n_jobs=1)
    rows.append(("n_jobs=1", "1 (this one)", "-", seconds, reference))

    # loky workers inherit this process' environment when they start.
    os.environ.update(TF_ONE_THREAD)
    for state in ("cold", "warm"):
        seconds, scores = timed_search(X, y, n_jobs=2)
        rows.append(("n_jobs=2 (loky)", "2 processes", state, seconds, scores))
    get_reusable_executor().shutdown(wait=True)  # free the workers' memory

    from dask.distributed import Client, LocalCluster

    start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env=TF_ONE_THREAD,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster),
    ):
        startup = time.perf_counter() - start
        for state in ("cold", "warm"):
            with joblib.parallel_backend("dask"):
                seconds, scores = timed_search(X, y)
            rows.append(("dask", "2 workers x 1 thread", state, seconds, scores))

    print(
        f"GridSearchCV, 2 candidates x 2 folds + refit, {len(X)} images; "
        f"Dask cluster start-up {startup:.1f} s"
    )
    print(f"{'backend':<16} {'workers':<21} {'run':<5} {'wall s':>7}  same scores")
    for name, workers, state, seconds, scores in rows:
        same = "yes" if np.array_equal(scores, reference) else f"NO {scores}"
        print(f"{name:<16} {workers:<21} {state:<5} {seconds:>7.1f}  {same}")
    print("mean_test_score of n_jobs=1:", reference)


if __name__ == "__main__":
    main()
