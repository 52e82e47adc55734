"""Learning curves: accuracy and cost of each classifier's defaults by data size.

Run: ``python benchmarks/bench_data_sizes.py [options]``

Users meet the package on small data first (a subset, a quick look, a grid
search's folds, their own small image set), so defaults are judged at every
size, against scikit-learn's own estimators with their defaults. For each
size n, each model is trained on a stratified random subset of n training
images (``train_test_split(..., train_size=n, stratify=y,
random_state=seed)``; all of them at the largest size) and scored on the
10,000 test images:

- ``logreg``: ``LogisticRegression()``;
- ``mlp``: ``MLPClassifier()``, scikit-learn's dense network;
- ``ann``: ``ANNClassifier()``;
- ``cnn``: ``CNNClassifier()``;
- ``cnn-bn``: ``CNNClassifier(batch_normalization=True)``, the control that
  shows what batch normalization costs or gains at each size (the default
  CNN has none since December 2026; before, the control was ``cnn-nobn``,
  the default of today).

Every model gets the pixels divided by 255. The table gives, for each size
and model, the mean test accuracy over the seeds (the lowest in brackets),
the mean fit time in seconds, in REF units (see ``bench_classifiers.py``:
plain Keras, one epoch of the default CNN architecture over 20,000 images,
measured before the first fit and after the last) and as a multiple of
``MLPClassifier``'s fit time on the same subset; and, for skfashion's
classifiers, the epochs and batch size that the fit used (``n_iter_``,
``batch_size_``).

Options
    ``--sizes N [N ...]``
        Training set sizes (default: 100 300 1000 3000 10000 60000; a size
        above the number of training rows means all of them).
    ``--seeds N [N ...]``
        Seeds (subset draw and ``random_state``) up to ``--max-seeded``
        (default: 0 1 2).
    ``--max-seeded N``
        Sizes above N are fitted with the first seed only (default: 10000).
    ``--models NAME [NAME ...]``
        Among those above (default: all).
    ``--set NAME=VALUE [NAME=VALUE ...]``
        Override parameters of skfashion's classifiers (a candidate).
    ``--select``
        Selection mode: train on subsets of a stratified 50,000 of the
        training images and score on the other 10,000 (as in
        ``bench_classifiers.py --select``); the test set is not loaded.
    ``--json PATH``
        Also write every fit's record to PATH.
    ``--no-ref``
        Skip the reference workload.

Examples::

    python benchmarks/bench_data_sizes.py                        # the table
    python benchmarks/bench_data_sizes.py --select --models cnn \\
        --sizes 300 3000 --set epochs=30                         # a candidate
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings

import numpy as np
from bench_classifiers import (
    load_data,
    measure_ref,
    parse_assignments,
    print_table,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from skfashion import ANNClassifier, CNNClassifier

MODELS = {
    "logreg": lambda seed, _: LogisticRegression(random_state=seed),
    "mlp": lambda seed, _: MLPClassifier(random_state=seed),
    "ann": lambda seed, params: ANNClassifier(random_state=seed, **params),
    "cnn": lambda seed, params: CNNClassifier(random_state=seed, **params),
    "cnn-bn": lambda seed, params: CNNClassifier(
        random_state=seed, **{"batch_normalization": True, **params}
    ),
}
SIZES = [100, 300, 1000, 3000, 10000, 60000]


def subset(X, y, n: int, seed: int):
    """A stratified random subset of ``n`` rows (all rows if n is not less)."""
    if n >= len(y):
        return X, y
    X_sub, _, y_sub, _ = train_test_split(
        X, y, train_size=n, stratify=y, random_state=seed
    )
    return X_sub, y_sub


def fit_and_score(model, X, y, X_test, y_test) -> dict:
    start = time.perf_counter()
    with warnings.catch_warnings():
        # MLPClassifier and LogisticRegression stop at their iteration limit
        # on the larger sizes: that is what their defaults do.
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    seconds = time.perf_counter() - start
    record = {"fit_s": seconds, "accuracy": float(model.score(X_test, y_test))}
    for name in ("n_iter_", "batch_size_"):
        if hasattr(model, name):
            value = getattr(model, name)
            record[name] = int(np.max(value))
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=SIZES)
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--max-seeded", type=int, default=10000)
    parser.add_argument("--models", nargs="+", default=list(MODELS), choices=MODELS)
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE")
    parser.add_argument("--select", action="store_true")
    parser.add_argument("--json", help="write every fit's record to this file")
    parser.add_argument("--no-ref", action="store_true", help="skip REF")
    args = parser.parse_args()
    params = parse_assignments(args.set)

    X, y, X_test, y_test, what, ref_data = load_data(args.select, None)
    print(f"# {len(X)} training rows; scored: {what} on {len(X_test)} rows")
    refs = [] if args.no_ref else [measure_ref(*ref_data)]
    if refs:
        print(f"# REF (before): {refs[0]:.2f} s", flush=True)

    records = []
    for n in args.sizes:
        seeds = args.seeds if n <= args.max_seeded else args.seeds[:1]
        for seed in seeds:
            X_n, y_n = subset(X, y, n, seed)
            for name in args.models:
                record = fit_and_score(
                    MODELS[name](seed, params), X_n, y_n, X_test, y_test
                )
                record.update(n=len(y_n), model=name, seed=seed)
                records.append(record)
                print(
                    f"   n={len(y_n)} {name} seed {seed}: "
                    f"{100 * record['accuracy']:.2f}% in {record['fit_s']:.1f} s",
                    flush=True,
                )
    if not args.no_ref:
        refs.append(measure_ref(*ref_data))
        print(f"# REF (after): {refs[1]:.2f} s", flush=True)
    ref_s = statistics.mean(refs) if refs else None
    print_table(*_table(records, ref_s, what))
    if ref_s:
        print(
            f"REF = {ref_s:.2f} s (before {refs[0]:.2f} s, after {refs[1]:.2f} s); "
            "'x MLP' = fit time / MLPClassifier's on the same subset."
        )
    if params:
        print(f"skfashion parameters set: {params}")
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"ref_s": ref_s, "params": repr(params), "fits": records}, file)


def _table(records: list[dict], ref_s: float | None, what: str):
    header = [
        "n",
        "model",
        "seeds",
        what,
        "fit s",
        "fit REF",
        "x MLP",
        "epochs",
        "batch",
    ]
    mlp_s = {(r["n"], r["seed"]): r["fit_s"] for r in records if r["model"] == "mlp"}
    rows = []
    for n in sorted({r["n"] for r in records}):
        for name in MODELS:
            group = [r for r in records if r["n"] == n and r["model"] == name]
            if not group:
                continue
            accs = [100 * r["accuracy"] for r in group]
            fit_s = statistics.mean(r["fit_s"] for r in group)
            ratios = [
                r["fit_s"] / mlp_s[n, r["seed"]]
                for r in group
                if (n, r["seed"]) in mlp_s
            ]
            acc = f"{statistics.mean(accs):.2f}%"
            if len(accs) > 1:
                acc += f" ({min(accs):.2f})"
            rows.append(
                [
                    n,
                    name,
                    len(group),
                    acc,
                    f"{fit_s:.1f}",
                    f"{fit_s / ref_s:.2f}" if ref_s else "-",
                    f"{statistics.mean(ratios):.1f}" if ratios else "-",
                    _values(group, "n_iter_"),
                    _values(group, "batch_size_"),
                ]
            )
    return header, rows


def _values(group: list[dict], key: str) -> str:
    values = sorted({r[key] for r in group if key in r})
    return "/".join(str(v) for v in values) or "-"


if __name__ == "__main__":
    main()
