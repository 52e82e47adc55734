"""Loading Fashion-MNIST from a warm cache versus a plain gzip read.

Run: ``python benchmarks/bench_fetch.py [--data DIR] [--repeat N]``

``DIR`` holds the four official ``.gz`` files (default
``../shared/data/fashion-mnist`` beside the project). A temporary data home is
filled from it once; then each loader runs ``N`` times and the table gives the
median and best wall-clock time. The page cache is warm for both, so the
comparison is decompression and parsing versus memory-mapping.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from skfashion.datasets import fetch_fashion_mnist

FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)
DEFAULT_DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist"


def plain_gzip(folder: Path):
    """The textbook read of the four files: gzip, np.frombuffer, concatenate."""
    arrays = {}
    for name in FILES:
        with gzip.open(folder / name, "rb") as stream:
            offset = 16 if "images" in name else 8
            arrays[name] = np.frombuffer(stream.read(), np.uint8, offset=offset)
    X = np.concatenate(
        [arrays[FILES[0]].reshape(-1, 784), arrays[FILES[2]].reshape(-1, 784)]
    )
    y = np.concatenate([arrays[FILES[1]], arrays[FILES[3]]])
    return X, y


def timed(function, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        X, y = function()
        # Touch every byte, so memory-mapped loads pay for their page reads.
        int(X.sum(dtype=np.uint64)) + int(y.sum())
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        fetch_fashion_mnist(subset="all", data_home=home, mirrors=[args.data.as_uri()])

        def cached(subset):
            return lambda: fetch_fashion_mnist(
                subset=subset,
                data_home=home,
                download_if_missing=False,
                return_X_y=True,
            )

        X_plain, y_plain = plain_gzip(args.data)
        X_cached, y_cached = cached("all")()
        assert np.array_equal(X_plain, X_cached) and np.array_equal(y_plain, y_cached)

        rows = [
            (
                "plain gzip + np.frombuffer, 4 files",
                timed(lambda: plain_gzip(args.data), args.repeat),
            ),
            (
                'fetch_fashion_mnist(subset="all"), warm cache',
                timed(cached("all"), args.repeat),
            ),
            (
                'fetch_fashion_mnist(subset="train"), warm cache',
                timed(cached("train"), args.repeat),
            ),
            (
                'fetch_fashion_mnist(subset="test"), warm cache',
                timed(cached("test"), args.repeat),
            ),
        ]
    baseline = statistics.median(rows[0][1])
    header = ("loader (70,000 images unless noted)", "median s", "best s", "speed-up")
    print(f"{header[0]:<50} {header[1]:>9} {header[2]:>8} {header[3]:>9}")
    for name, times in rows:
        median = statistics.median(times)
        print(
            f"{name:<50} {median:>9.4f} {min(times):>8.4f} {baseline / median:>8.1f}x"
        )


if __name__ == "__main__":
    main()
