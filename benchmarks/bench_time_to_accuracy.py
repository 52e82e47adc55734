"""Time to accuracy: what a CNN training recipe needs to reach a validation score.

Run: ``python benchmarks/bench_time_to_accuracy.py RECIPE [RECIPE ...] [options]``

A recipe is a set of ``CNNClassifier`` parameters, and of the prototypes of
``recipes.py`` (steps not built into the package yet). Its cost is not one
number of epochs: a recipe is trained at several budgets (``--epochs``, each
a separate fit whose learning-rate schedule spans that many epochs), on the
stratified 50,000 training images of the validation split of
``bench_classifiers.py --select``, and scored on the 10,000 validation
images; the test set is never loaded. For each budget the table gives the
median validation accuracy over the seeds and the median fit time in REF
units (see ``bench_classifiers.py``). From those points, by linear
interpolation between consecutive budgets, it gives the REF units the recipe
needs to reach each target (``--targets``, default 92.8% and 93.3%;
">" the largest budget when no budget reaches it, "<=" the smallest when
it reaches it already) and its accuracy at the
default's budget (``--budget``, 45 REF units; "-" outside the budgets
measured).

A RECIPE is ``NAME`` (one of RECIPES below) or ``NAME:PARAM=VALUE,...`` (the
values are Python literals, the rest text), for example
``"wide:filters=(24, 48)"``; ``--set`` adds parameters to every recipe.

Options
    ``--epochs N [N ...]``
        The budgets (default: 10 15).
    ``--seeds N [N ...]``
        ``random_state`` values (default: 0 1); the medians are over them.
    ``--targets P [P ...]``
        Validation accuracies in percent (default: 92.8 93.3).
    ``--budget R``
        REF units at which to read each recipe's accuracy (default: 45).
    ``--json PATH``
        Also write every fit's record to PATH.
    ``--merge PATH [PATH ...]``
        Train nothing: print the table of the records of earlier runs'
        ``--json`` files (for example one seed per core, each run with its own
        REF), each fit's cost in its own run's REF units.

Pin the run to a core with ``taskset`` and run nothing else on it: REF is
measured before the first fit and after the last, on the same core.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import statistics
import time

from bench_classifiers import load_data, measure_ref, parse_assignments, print_table
from recipes import make_cnn

# The steps of the time-to-accuracy ablation of December 2026
# (docs/benchmarks.rst), each one change from the step it is compared with:
# from the defaults of skfashion 0.1 ("bn", batch-normalized), "nobn" drops
# the normalization; the others each add one change to "nobn".
_NO_BN = {"batch_normalization": False}
RECIPES = {
    "bn": {"batch_normalization": True},
    "nobn": _NO_BN,
    "ema": {**_NO_BN, "optimizer__use_ema": True, "optimizer__ema_momentum": 0.999},
    "triangular": {**_NO_BN, "lr_schedule": "triangular", "learning_rate": 4e-3},
    "flips": {**_NO_BN, "flip": "alternate", "shift": 2},
    "whiten": {**_NO_BN, "whiten": True},
    "nesterov": {
        **_NO_BN,
        "optimizer": "sgd",
        "optimizer__momentum": 0.9,
        "optimizer__nesterov": True,
        "learning_rate": 0.05,
        "batch_size": 128,
        "label_smoothing": 0.2,
        "lr_schedule": "triangular",
    },
    "wide": {**_NO_BN, "filters": (24, 64)},
}


def parse_recipe(text: str) -> tuple[str, dict]:
    name, _, assignments = text.partition(":")
    params = dict(RECIPES.get(name, {}))
    if assignments:
        # Commas inside brackets belong to a value, as in filters=(24, 64).
        items = re.split(r",(?![^()\[\]]*[)\]])", assignments)
        params.update(parse_assignments(items))
    elif name not in RECIPES:
        raise SystemExit(
            f"Unknown recipe {name!r}: one of {list(RECIPES)}, or NAME:P=V"
        )
    return name, params


def fit_and_score(params: dict, epochs: int, seed: int, data) -> dict:
    X, y, X_val, y_val = data
    estimator = make_cnn({**params, "epochs": epochs, "random_state": seed})
    start = time.perf_counter()
    estimator.fit(X, y)
    fit_s = time.perf_counter() - start
    return {"fit_s": fit_s, "accuracy": 100 * float(estimator.score(X_val, y_val))}


def crossing(points: list[tuple[float, float]], target: float) -> float | None:
    """The cost at which (cost, accuracy) points first reach ``target``."""
    previous = None
    for cost, accuracy in points:
        if accuracy >= target:
            if previous is None or previous[1] >= target:
                return cost
            (c0, a0), (c1, a1) = previous, (cost, accuracy)
            return c0 + (target - a0) * (c1 - c0) / (a1 - a0)
        previous = (cost, accuracy)
    return None


def accuracy_at(points: list[tuple[float, float]], cost: float) -> float | None:
    """The accuracy interpolated at ``cost`` between the measured points."""
    for (c0, a0), (c1, a1) in itertools.pairwise(points):
        if c0 <= cost <= c1:
            return a0 + (cost - c0) * (a1 - a0) / (c1 - c0)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("recipes", nargs="*", metavar="RECIPE")
    parser.add_argument("--epochs", nargs="+", type=int, default=[10, 15])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--targets", nargs="+", type=float, default=[92.8, 93.3])
    parser.add_argument("--budget", type=float, default=45.0)
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE")
    parser.add_argument("--json", help="write every fit's record to this file")
    parser.add_argument("--merge", nargs="+", metavar="PATH")
    args = parser.parse_args()
    common = parse_assignments(args.set)
    recipes = [parse_recipe(text) for text in args.recipes]

    if args.merge:
        records = []
        for path in args.merge:
            with open(path) as file:
                run = json.load(file)
            records += [{**r, "ref": r["fit_s"] / run["ref_s"]} for r in run["fits"]]
        names = list(dict.fromkeys(r["recipe"] for r in records))
        epochs_list = sorted({r["epochs"] for r in records})
        print_table(*_table(records, names, epochs_list, args))
        return
    X, y, X_val, y_val, _, ref_data = load_data(select=True, n_train=None)
    refs = [measure_ref(*ref_data)]
    print(f"# REF (before): {refs[0]:.2f} s", flush=True)
    records = []
    for name, params in recipes:
        params = {**params, **common}
        for epochs in sorted(args.epochs):
            for seed in args.seeds:
                record = fit_and_score(params, epochs, seed, (X, y, X_val, y_val))
                record.update(
                    recipe=name, params=repr(params), epochs=epochs, seed=seed
                )
                records.append(record)
                print(
                    f"   {name} epochs={epochs} seed {seed}: "
                    f"{record['accuracy']:.2f}% in {record['fit_s']:.0f} s",
                    flush=True,
                )
    refs.append(measure_ref(*ref_data))
    ref_s = statistics.mean(refs)
    print(f"# REF (after): {refs[1]:.2f} s", flush=True)
    for record in records:
        record["ref"] = record["fit_s"] / ref_s
    names = [name for name, _ in recipes]
    print_table(*_table(records, names, sorted(args.epochs), args))
    print(
        f"REF = {ref_s:.2f} s (before {refs[0]:.2f} s, after {refs[1]:.2f} s); "
        "medians over the seeds; costs interpolated between budgets."
    )
    if args.json:
        with open(args.json, "w") as file:
            json.dump({"ref_s": ref_s, "fits": records}, file)


def _table(records: list[dict], names: list[str], epochs_list: list[int], args):
    header = ["recipe", "epochs", "val acc", "fit REF"]
    header += [f"REF to {t}%" for t in args.targets] + [f"acc @ {args.budget:g} REF"]
    rows = []
    for name in names:
        points = []
        for epochs in epochs_list:
            group = [
                r for r in records if r["recipe"] == name and r["epochs"] == epochs
            ]
            if not group:
                continue
            accuracy = statistics.median(r["accuracy"] for r in group)
            cost = statistics.median(r["ref"] for r in group)
            points.append((cost, accuracy))
            each = "/".join(f"{r['accuracy']:.2f}" for r in group)
            rows.append([name, epochs, f"{accuracy:.2f} ({each})", f"{cost:.1f}"])
        points.sort()
        reached = []
        for target in args.targets:
            cost = crossing(points, target)
            if cost is None:
                reached.append(f"> {points[-1][0]:.0f}")
            elif points[0][1] >= target:  # the smallest budget reached it already
                reached.append(f"<= {cost:.1f}")
            else:
                reached.append(f"{cost:.1f}")
        at_budget = accuracy_at(points, args.budget)
        rows[-1] += reached
        rows[-1].append(f"{at_budget:.2f}" if at_budget is not None else "-")
        for row in rows[-len(points) : -1]:
            row += [""] * (len(args.targets) + 1)
    return header, rows


if __name__ == "__main__":
    main()
