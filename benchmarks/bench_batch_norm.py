"""What the batch-normalization statistics pass costs after a fit.

Run: ``python benchmarks/bench_batch_norm.py [--rows N]``

After every fit, skfashion sets each batch-normalization layer's statistics
to those of its input over the training rows (at most 10,000 of them,
evenly spaced; ``skfashion/_batch_norm.py``). This times that pass for the
CNN and the default ANN on the 60,000 training images, against one forward pass
of the network over the same images (``keras.Model.predict``) and one
training epoch (``fit`` with ``epochs=1``), in the same run; each figure is
the median of three. The CNN is timed with ``batch_normalization=True``
(its default is off). Pin it to a core with ``taskset`` for steady figures.
"""

from __future__ import annotations

import argparse
import statistics
import time

import keras
from bench_classifiers import print_table

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion._batch_norm import set_batch_norm_statistics


def _median_seconds(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=60000)
    args = parser.parse_args()
    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    X, y = MinMax255().transform(X[: args.rows]), y[: args.rows]

    rows = []
    # The ANN is batch-normalized by default, the CNN is not (it costs time
    # and does not pay there): it is timed with the normalization on.
    for cls, params in (
        (CNNClassifier, {"batch_normalization": True}),
        (ANNClassifier, {}),
    ):
        # One epoch on all the rows: the network, compiled, and an epoch's time.
        estimator = cls(epochs=1, random_state=0, **params)
        epoch_s = _median_seconds(lambda e=estimator: e.fit(X, y), repeat=1)
        model = estimator.model_
        model.predict(X[:2048], batch_size=1024, verbose=0)  # traced once
        forward_s = _median_seconds(
            lambda m=model: m.predict(X, batch_size=1024, verbose=0)
        )
        # As in a fit: the pass builds and traces its probes each time.
        stats_s = _median_seconds(lambda m=model: set_batch_norm_statistics(m, X))
        rows.append(
            [
                cls.__name__,
                len(X),
                f"{stats_s:.2f}",
                f"{forward_s:.2f}",
                f"{epoch_s:.1f}",
                f"{stats_s / forward_s:.2f}",
                f"{stats_s / epoch_s:.3f}",
            ]
        )
    header = [
        "classifier",
        "rows",
        "stats s",
        "forward s",
        "epoch s",
        "stats/forward",
        "stats/epoch",
    ]
    print_table(header, rows)
    print(f"keras {keras.__version__}; one epoch includes tracing the training step.")


if __name__ == "__main__":
    main()
