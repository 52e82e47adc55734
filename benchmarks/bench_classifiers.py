"""Accuracy and speed of skfashion's classifiers against plain Keras and scikeras.

Run: ``python benchmarks/bench_classifiers.py [options]``

By default each model is trained on the 60,000 training images and scored
on the 10,000 test images of Fashion-MNIST, with the same network and the
same training settings, several ways:

- ``skfashion``: ``ANNClassifier()`` / ``CNNClassifier()`` with their defaults
  (``cnn-strong``: the stronger configuration of the docs);
- ``keras``: the same architecture, compiled the same way, trained with
  ``keras.Model.fit`` on the same arrays;
- ``keras-pipeline``: the same again, fed by skfashion's tf.data pipeline
  instead of arrays (``skfashion._pipeline``: what remains is the
  wrapper's own overhead, where ``keras`` also shows the pipeline's gain);
- ``scikeras``: the same compiled model inside scikeras' ``KerasClassifier``.

Machine-independent cost (REF units)
    Machines of the same kind differ by up to 2x in speed, so every fit
    time is also given as a multiple of a fixed reference workload measured
    in the same run, on the same cores: plain Keras training the default CNN
    architecture of skfashion 0.1 (``filters=(16, 64)``, one convolution
    per block, ``dense_units=(128,)``, batch-normalized, dropout 0.3; AdamW
    2e-3 with cosine decay, label smoothing 0.1; frozen here, so that a new
    default does not move the yardstick) for one epoch over 20,000 training
    images in batches of 64, after a warm-up of 60 batches that traces the
    training function. It is fed by an in-memory tf.data pipeline without
    the autotuner (which would otherwise add an idle wait of up to seconds
    at the end of the epoch). REF is measured before the first fit and again
    after the last; the REF unit is their mean, and both are printed: a
    large gap between them says the machine's speed drifted during the run.
    ``fit REF`` = fit seconds / REF seconds. The default CNN (15 epochs of
    60,000 images) costs about 45 REF units by construction.

Selection mode (``--select``)
    Model selection must not look at the test set. With ``--select``, the
    training images are split once, stratified, into 50,000 for training
    and 10,000 for validation
    (``train_test_split(X, y, test_size=10000, stratify=y, random_state=0)``),
    models train on the 50,000 and are scored on the 10,000 validation
    images; the test set is not even loaded. Choose configurations this
    way, then score each chosen one on the test set once (without
    ``--select``). Training on 50,000 rows costs 5/6 of 60,000: compare
    ``fit REF`` with a budget accordingly.

Options
    ``--models NAME [NAME ...]``
        Among ``ann``, ``cnn``, ``cnn-strong`` (default: ``ann cnn``).
    ``--libraries NAME [NAME ...]``
        Among ``skfashion``, ``keras``, ``keras-pipeline``, ``scikeras``
        (default: all four). ``skfashion`` is always trained; the others
        train the same network once, with Keras' seed set to the first seed.
    ``--seeds N [N ...]``
        ``random_state`` values of the skfashion estimator (default: ``0``).
        Each seed is a separate fit and row; with several seeds a ``mean``
        row follows (mean accuracy, and the lowest one in brackets).
    ``--select``
        Selection mode, above.
    ``--set NAME=VALUE [NAME=VALUE ...]``
        Override estimator parameters of every model, e.g.
        ``--set augmentation=True epochs=20`` (values are Python literals;
        unknown names are an error from the estimator).
    ``--epochs N``
        Shortcut for ``--set epochs=N`` (a quick trial).
    ``--n-train N``
        Train on the first N training rows (after the split in selection mode).
    ``--threads N``
        TensorFlow's intra-op and inter-op thread pools, both N (default:
        TensorFlow's own choice). Pin the process to cores with ``taskset``
        to control what it runs on.
    ``--no-ref``
        Skip the reference workload (no REF column).

The fit time is the wall-clock time of ``fit`` alone; predict times are the
median of repeated calls on 1 image and one call on the 10,000 scored
images. The data comes from the usual cache (``SKFASHION_DATA``); offline,
point ``SKFASHION_MIRRORS`` at a folder with the four official files.
Nothing else should run on the machine while this does; the REF units make
figures from different machines comparable, not figures from a busy one.

Examples::

    python benchmarks/bench_classifiers.py                      # test set
    python benchmarks/bench_classifiers.py --models cnn --select \\
        --libraries skfashion --set augmentation=True           # selection
    python benchmarks/bench_classifiers.py --models cnn --seeds 0 1 2 \\
        --libraries skfashion                                   # final score
"""

from __future__ import annotations

import argparse
import ast
import statistics
import time
import warnings

import keras
import numpy as np
import tensorflow as tf

from skfashion import (
    ANNClassifier,
    CNNClassifier,
    MinMax255,
    _pipeline,
    fetch_fashion_mnist,
)
from skfashion._wrapper import without_single_replica_all_reduce

LIBRARIES = ["skfashion", "keras", "keras-pipeline", "scikeras"]
CONFIGS = {
    "ann": (ANNClassifier, {}),
    "cnn": (CNNClassifier, {}),
    # The stronger CNN documented in the user guide: two convolutions per
    # block, augmentation and its mirror at predict, chosen on the
    # validation split (the third round of the benchmarks page), and since
    # the seventh round without batch normalization and with 20 epochs, the
    # most that fit its budget of 160 REF units. Only skfashion has the
    # mirror at predict: measure it with --libraries skfashion.
    "cnn-strong": (
        CNNClassifier,
        {
            "filters": (24, 48),
            "convs_per_block": 2,
            "dense_units": (256,),
            "dropout": 0.3,
            "augmentation": True,
            "test_time_augmentation": True,
            "epochs": 20,
        },
    ),
}

# The reference workload's network and training settings: skfashion 0.1's
# default CNN, written out so that changing the defaults leaves REF alone.
REF_PARAMS = {
    "filters": (16, 64),
    "convs_per_block": 1,
    "kernel_size": 3,
    "pool_size": 2,
    "dense_units": (128,),
    "dropout": 0.3,
    "batch_normalization": True,
    "augmentation": False,
    "optimizer": "adamw",
    "learning_rate": 2e-3,
    "lr_schedule": "cosine",
    "weight_decay": 1e-4,
    "label_smoothing": 0.1,
    "epochs": 15,
    "batch_size": 64,
}
REF_ROWS = 20000
REF_WARMUP_BATCHES = 60
VALIDATION_ROWS = 10000


def _median_ms(function, repeat: int = 30) -> float:
    function()  # warm up: traces and caches are built on the first call
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def _timed(function) -> tuple[float, object]:
    start = time.perf_counter()
    result = function()
    return time.perf_counter() - start, result


def _ref_dataset(X, onehot, batch_size: int) -> tf.data.Dataset:
    """Shuffled batches of in-memory arrays, tf.data's autotuner off."""
    tensors = (tf.convert_to_tensor(X), tf.convert_to_tensor(onehot))
    indices = tf.data.Dataset.range(len(X)).shuffle(len(X)).batch(batch_size)
    dataset = tf.data.Dataset.zip(
        (indices, tf.data.Dataset.from_tensors(tensors).repeat())
    ).map(lambda i, t: (tf.gather(t[0], i), tf.gather(t[1], i)))
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(1).with_options(options)


def measure_ref(X, y) -> float:
    """Seconds of the reference workload (see the module docstring)."""
    keras.utils.set_random_seed(12345)
    shaper = CNNClassifier(random_state=0, **REF_PARAMS).fit(X[:256], y[:256])
    model = compile_like_skfashion(
        keras.models.clone_model(shaper.model_), REF_PARAMS, REF_ROWS
    )
    onehot = np.eye(10, dtype=np.float32)[np.searchsorted(shaper.classes_, y)]
    data = _ref_dataset(X[:REF_ROWS], onehot[:REF_ROWS], REF_PARAMS["batch_size"])
    # shuffle=False: the dataset shuffles itself (Keras ignores the flag for a
    # dataset, and warns when it is left at True).
    model.fit(data.take(REF_WARMUP_BATCHES), epochs=1, verbose=0, shuffle=False)
    seconds, _ = _timed(lambda: model.fit(data, epochs=1, verbose=0, shuffle=False))
    return seconds


def bench_skfashion(estimator, X, y, X_test, y_test):
    fit_s, _ = _timed(lambda: estimator.fit(X, y))
    return {
        "fit_s": fit_s,
        "accuracy": estimator.score(X_test, y_test),
        "predict_1_ms": _median_ms(lambda: estimator.predict(X_test[:1])),
        "predict_10k_s": _timed(lambda: estimator.predict(X_test))[0],
    }


def compile_like_skfashion(model, params: dict, n_rows: int) -> keras.Model:
    """Compile ``model`` as skfashion compiles it for ``params`` and ``n_rows``.

    The optimizer named by ``params`` with a cosine decay of the learning
    rate over the fit's optimizer steps (``epochs`` times the batches of
    ``n_rows`` rows), decoupled weight decay, and label smoothing; and, as
    skfashion does, no gradient all-reduce on one replica.
    """
    steps = params["epochs"] * -(-n_rows // params["batch_size"])
    optimizer = type(keras.optimizers.get(params["optimizer"]))(
        learning_rate=keras.optimizers.schedules.CosineDecay(
            params["learning_rate"], decay_steps=steps
        ),
        weight_decay=params["weight_decay"],
    )
    model.compile(
        optimizer=without_single_replica_all_reduce(optimizer),
        loss=keras.losses.CategoricalCrossentropy(
            label_smoothing=params["label_smoothing"]
        ),
        metrics=["accuracy"],
    )
    return model


def _fitted_budget(estimator) -> dict:
    """The fitted estimator's parameters, its epochs and batch size as trained
    ("auto" resolved), for training the same network elsewhere."""
    return {
        **estimator.get_params(),
        "epochs": estimator.n_iter_,
        "batch_size": estimator.batch_size_,
    }


def _fresh_model(estimator, n_rows):
    """The estimator's network with new weights, compiled as skfashion does."""
    model = keras.models.clone_model(estimator.model_)
    return compile_like_skfashion(model, _fitted_budget(estimator), n_rows)


def _skfashion_batches(arrays, batch_size: int, seed: int) -> dict:
    """``keras.Model.fit`` arguments feeding ``arrays`` through skfashion's
    own training pipeline (shuffled every epoch)."""
    if hasattr(_pipeline, "epoch_batches"):  # endless, with steps per epoch
        batches, steps = _pipeline.epoch_batches(
            arrays, batch_size, shuffle=True, seed=seed
        )
        return {"x": batches, "steps_per_epoch": steps, "shuffle": False}
    batches = _pipeline.array_dataset(arrays, batch_size, shuffle=True)
    return {"x": batches, "shuffle": False}  # shuffled by the pipeline


def bench_keras(estimator, X, y, X_test, y_test, *, pipeline=False, seed=0):
    keras.utils.set_random_seed(seed)
    model = _fresh_model(estimator, len(X))
    onehot = np.eye(10, dtype=np.float32)[y]
    budget = _fitted_budget(estimator)
    if pipeline:
        data = _skfashion_batches((X, onehot), budget["batch_size"], seed)
    else:
        data = {"x": X, "y": onehot, "batch_size": budget["batch_size"]}
    fit_s, _ = _timed(lambda: model.fit(**data, epochs=budget["epochs"], verbose=0))
    proba = model.predict(X_test, batch_size=1024, verbose=0)
    return {
        "fit_s": fit_s,
        "accuracy": float(np.mean(proba.argmax(axis=1) == y_test)),
        "predict_1_ms": _median_ms(lambda: model.predict(X_test[:1], verbose=0)),
        "predict_10k_s": _timed(lambda: model.predict(X_test, verbose=0))[0],
        "model_call_1_ms": _median_ms(lambda: model(X_test[:1], training=False)),
    }


def bench_scikeras(estimator, X, y, X_test, y_test, *, seed=0):
    from scikeras.wrappers import KerasClassifier

    keras.utils.set_random_seed(seed)
    classifier = KerasClassifier(
        model=lambda: _fresh_model(estimator, len(X)),
        loss="categorical_crossentropy",  # makes scikeras one-hot encode y
        epochs=estimator.n_iter_,
        batch_size=estimator.batch_size_,
        verbose=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit_s, _ = _timed(lambda: classifier.fit(X, y))
        return {
            "fit_s": fit_s,
            "accuracy": classifier.score(X_test, y_test),
            "predict_1_ms": _median_ms(lambda: classifier.predict(X_test[:1])),
            "predict_10k_s": _timed(lambda: classifier.predict(X_test))[0],
        }


def parse_assignments(items: list[str]) -> dict:
    """``NAME=VALUE`` items as parameters: values are Python literals, else text."""
    params = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name:
            raise SystemExit(f"Parameters are given as NAME=VALUE; got {item!r}.")
        try:
            params[name] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            params[name] = value  # a bare string such as adamw
    return params


def load_data(select: bool, n_train: int | None):
    """(X, y, X_scored, y_scored, what, (X_ref, y_ref)): scored on the test
    set, or on the validation split; REF's rows come from the training rows."""
    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    scaler = MinMax255()
    if select:
        from sklearn.model_selection import train_test_split

        X, X_scored, y, y_scored = train_test_split(
            X, y, test_size=VALIDATION_ROWS, stratify=y, random_state=0
        )
        what = "val acc"
    else:
        X_scored, y_scored = fetch_fashion_mnist(subset="test", return_X_y=True)
        what = "test acc"
    X, y = scaler.transform(X), np.asarray(y)
    # REF always trains on REF_ROWS rows, whatever --n-train says.
    X_ref, y_ref = X[:REF_ROWS], y[:REF_ROWS]
    if n_train:
        X, y = X[:n_train], y[:n_train]
    scored = (scaler.transform(X_scored), np.asarray(y_scored))
    return X, y, *scored, what, (X_ref, y_ref)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        epilog="See the module docstring for the REF units and selection mode.",
    )
    parser.add_argument("--models", nargs="+", default=["ann", "cnn"], choices=CONFIGS)
    parser.add_argument(
        "--libraries",
        nargs="+",
        default=LIBRARIES,
        choices=LIBRARIES,
    )
    parser.add_argument("--seeds", nargs="+", type=int, default=[0])
    parser.add_argument(
        "--select",
        action="store_true",
        help="train on a stratified 50,000, score the 10,000 validation rows",
    )
    parser.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE")
    parser.add_argument("--epochs", type=int, help="override (for a quick trial)")
    parser.add_argument("--n-train", type=int)
    parser.add_argument("--threads", type=int, help="TF intra- and inter-op threads")
    parser.add_argument("--no-ref", action="store_true", help="skip REF")
    args = parser.parse_args()

    if args.threads:
        tf.config.threading.set_intra_op_parallelism_threads(args.threads)
        tf.config.threading.set_inter_op_parallelism_threads(args.threads)
    overrides = parse_assignments(args.set)
    if args.epochs:
        overrides["epochs"] = args.epochs

    X, y, X_test, y_test, what, ref_data = load_data(args.select, args.n_train)
    print(f"# training rows {len(X)}; scored: {what} on {len(X_test)} rows", flush=True)
    ref_runs = []
    if not args.no_ref:
        ref_runs.append(measure_ref(*ref_data))
        print(f"# REF (before): {ref_runs[0]:.2f} s", flush=True)

    records = []  # (name, library, seed, result)
    for name in args.models:
        cls, params = CONFIGS[name]
        params = {**params, **overrides}
        for i, seed in enumerate(args.seeds):
            skf = cls(random_state=seed, **params)
            print(f"# {name}: {skf!r}", flush=True)
            result = bench_skfashion(skf, X, y, X_test, y_test)
            records.append((name, "skfashion", seed, result))
            print(f"   skfashion seed {seed}: {_brief(result)}", flush=True)
            if i:  # the other libraries train once, with the first seed
                continue
            for library in args.libraries:
                if library in ("keras", "keras-pipeline"):
                    pipeline = library == "keras-pipeline"
                    result = bench_keras(
                        skf, X, y, X_test, y_test, pipeline=pipeline, seed=seed
                    )
                elif library == "scikeras":
                    result = bench_scikeras(skf, X, y, X_test, y_test, seed=seed)
                else:
                    continue
                records.append((name, library, seed, result))
                print(f"   {library}: {_brief(result)}", flush=True)

    if not args.no_ref:
        ref_runs.append(measure_ref(*ref_data))
        print(f"# REF (after): {ref_runs[1]:.2f} s", flush=True)
    ref_s = statistics.mean(ref_runs) if ref_runs else None
    _print_table(records, args, what, ref_s)
    if ref_runs:
        print(
            f"REF = {ref_s:.2f} s (before {ref_runs[0]:.2f} s, after "
            f"{ref_runs[1]:.2f} s): plain Keras, default CNN architecture, one "
            f"epoch of {REF_ROWS} images in batches of 64. 'fit REF' = fit s / REF."
        )
    print(f"keras {keras.__version__}; 'call ms' is keras.Model.__call__ on 1 image.")


def _brief(r: dict) -> str:
    return f"acc {100 * r['accuracy']:.2f}%, fit {r['fit_s']:.1f} s"


def _print_table(records, args, what: str, ref_s: float | None) -> None:
    header = ["model", "library", "seed", what, "fit s", "fit REF"]
    header += ["1 img ms", "10k s", "call ms"]
    rows = []

    def row(name, library, seed, acc, fit_s, r=None):
        rows.append(
            (
                name,
                library,
                seed,
                acc,
                f"{fit_s:.1f}",
                f"{fit_s / ref_s:.1f}" if ref_s else "",
                f"{r['predict_1_ms']:.1f}" if r else "",
                f"{r['predict_10k_s']:.2f}" if r else "",
                f"{r['model_call_1_ms']:.1f}" if r and "model_call_1_ms" in r else "",
            )
        )

    for name in args.models:
        mine = [rec for rec in records if rec[0] == name]
        for _, library, seed, r in mine:
            row(name, library, seed, f"{100 * r['accuracy']:.2f}%", r["fit_s"], r)
        seeded = [r for _, library, _, r in mine if library == "skfashion"]
        if len(seeded) > 1:
            accs = [100 * r["accuracy"] for r in seeded]
            fits = [r["fit_s"] for r in seeded]
            acc = f"{statistics.mean(accs):.2f}% (min {min(accs):.2f}%)"
            row(name, "skfashion", "mean", acc, statistics.mean(fits))
    print_table(header, rows)


def print_table(header, rows) -> None:
    """Columns aligned to their widest cell, after an empty line."""
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    print()
    for r in (header, *rows):
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths, strict=True)))


if __name__ == "__main__":
    main()
