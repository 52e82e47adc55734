"""The training cost of CNN configurations, as a multiple of the default CNN's.

Run: ``python benchmarks/bench_epoch_cost.py "NAME:PARAM=VALUE ..." [...]``

Before a candidate network is trained in full, this says what an epoch of it
costs: each configuration, and ``CNNClassifier()`` with its defaults, fits
``--epochs`` epochs (default 2) on the first ``--rows`` training images
(default 12,800). One pass fits every configuration once, in turn, the
default first; ``--passes`` passes (default 3) follow one short warm-up fit
of each configuration, which also reports a bad parameter before any
timing.
A configuration's cost is the median, over the passes, of its fit time
divided by the default's fit time in the same pass: fits that ran close
together share the machine's speed of the moment, so the ratio holds while
that speed drifts. Each fit includes the same fixed cost of building and
tracing a network, so short fits pull the ratios towards 1.

Pin the run to one core (``taskset -c 0``) so that the fits compete for
nothing but that core. The data comes from the usual cache
(``SKFASHION_DATA``); offline, point ``SKFASHION_MIRRORS`` at the ``file://``
URL of a folder with the four official files.

Example::

    taskset -c 0 python benchmarks/bench_epoch_cost.py \\
        "pool_first:pool_first=True" \\
        "wide:pool_first=True filters=(24,48,96)"
"""

from __future__ import annotations

import argparse
import statistics
import time

from bench_classifiers import parse_assignments, print_table

from skfashion import CNNClassifier, MinMax255, fetch_fashion_mnist

DEFAULT = "default"


def parse_configuration(text: str) -> tuple[str, dict]:
    """``"NAME:PARAM=VALUE ..."`` as (name, parameters); values are literals."""
    name, sep, assignments = text.partition(":")
    if not sep or not name or name == DEFAULT:
        raise SystemExit(
            f"A configuration is NAME:PARAM=VALUE ..., with a NAME other than "
            f"{DEFAULT!r}; got {text!r}."
        )
    return name, parse_assignments(assignments.split())


def fit_seconds(params: dict, X, y, epochs: int) -> float:
    classifier = CNNClassifier(**{**params, "epochs": epochs, "random_state": 0})
    start = time.perf_counter()
    classifier.fit(X, y)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        epilog="See the module docstring for how the ratios are formed.",
    )
    parser.add_argument(
        "configurations", nargs="+", metavar="NAME:PARAM=VALUE ...", type=str
    )
    parser.add_argument("--rows", type=int, default=12800)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--passes", type=int, default=3)
    args = parser.parse_args()
    configurations = {DEFAULT: {}}
    for text in args.configurations:
        name, params = parse_configuration(text)
        if name in configurations:
            raise SystemExit(f"The name {name!r} is given twice.")
        configurations[name] = params

    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    X, y = MinMax255().transform(X[: args.rows]), y[: args.rows]
    # TensorFlow's one-time setup, and a bad parameter fails before any timing.
    for params in configurations.values():
        fit_seconds(params, X[:640], y[:640], epochs=1)

    seconds = {name: [] for name in configurations}
    for n in range(1, args.passes + 1):
        for name, params in configurations.items():
            seconds[name].append(fit_seconds(params, X, y, args.epochs))
            print(f"# pass {n}: {name} {seconds[name][-1]:.1f} s", flush=True)

    header = ["configuration", "median fit s", "cost", "cost per pass", "parameters"]
    rows = []
    for name, params in configurations.items():
        ratios = [s / d for s, d in zip(seconds[name], seconds[DEFAULT], strict=True)]
        rows.append(
            (
                name,
                f"{statistics.median(seconds[name]):.1f}",
                f"{statistics.median(ratios):.2f}",
                " ".join(f"{r:.2f}" for r in ratios),
                " ".join(f"{k}={v!r}" for k, v in params.items()) or "(defaults)",
            )
        )
    print_table(header, rows)
    print(
        f"\ncost = median over {args.passes} passes of fit s / the default's fit s "
        f"in the same pass; {args.epochs} epochs on {len(X)} rows each."
    )


if __name__ == "__main__":
    main()
