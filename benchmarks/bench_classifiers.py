"""Accuracy and speed of skfashion's classifiers against plain Keras and scikeras.

Run: ``python benchmarks/bench_classifiers.py [--models ann cnn cnn-strong]``

Each model is trained on the 60,000 training images and scored on the 10,000
test images of Fashion-MNIST, three ways, with the same network and the same
training settings:

- ``skfashion``: ``ANNClassifier()`` / ``CNNClassifier()`` with their defaults
  (``cnn-strong``: the stronger configuration of the docs);
- ``keras``: the same architecture, compiled the same way, trained with
  ``keras.Model.fit`` on the same arrays;
- ``keras-pipeline``: the same again, fed by skfashion's tf.data pipeline
  instead of arrays (``skfashion._pipeline``: what remains is the
  wrapper's own overhead, where ``keras`` also shows the pipeline's gain);
- ``scikeras``: the same compiled model inside scikeras' ``KerasClassifier``.

The fit time is the wall-clock time of ``fit`` alone; predict times are the
median of repeated calls on 1 image and one call on the 10,000 test images.
The data comes from the usual cache (``SKFASHION_DATA``); offline, point
``SKFASHION_MIRRORS`` at a folder with the four official files. Nothing else
should run on the machine while this does.
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import keras
import numpy as np

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion._pipeline import array_dataset

LIBRARIES = ["skfashion", "keras", "keras-pipeline", "scikeras"]
CONFIGS = {
    "ann": (ANNClassifier, {}),
    "cnn": (CNNClassifier, {}),
    # The stronger CNN documented in the user guide: two convolutions per
    # block, chosen for accuracy within 30 minutes of a 2-core CPU.
    "cnn-strong": (
        CNNClassifier,
        {
            "filters": (24, 48),
            "convs_per_block": 2,
            "dense_units": (256,),
            "epochs": 16,
        },
    ),
}


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


def bench_skfashion(estimator, X, y, X_test, y_test):
    fit_s, _ = _timed(lambda: estimator.fit(X, y))
    return {
        "fit_s": fit_s,
        "accuracy": estimator.score(X_test, y_test),
        "predict_1_ms": _median_ms(lambda: estimator.predict(X_test[:1])),
        "predict_10k_s": _timed(lambda: estimator.predict(X_test))[0],
    }


def _fresh_model(estimator, n_rows):
    """The estimator's network with new weights, compiled as skfashion does."""
    model = keras.models.clone_model(estimator.model_)
    return estimator._compile(model, n_rows)


def bench_keras(estimator, X, y, X_test, y_test, *, pipeline=False):
    keras.utils.set_random_seed(0)
    model = _fresh_model(estimator, len(X))
    onehot = np.eye(10, dtype=np.float32)[y]
    if pipeline:
        batches = array_dataset((X, onehot), estimator.batch_size, shuffle=True)
        data = {"x": batches, "shuffle": False}  # shuffled by the pipeline
    else:
        data = {"x": X, "y": onehot, "batch_size": estimator.batch_size}
    fit_s, _ = _timed(lambda: model.fit(**data, epochs=estimator.epochs, verbose=0))
    proba = model.predict(X_test, batch_size=1024, verbose=0)
    return {
        "fit_s": fit_s,
        "accuracy": float(np.mean(proba.argmax(axis=1) == y_test)),
        "predict_1_ms": _median_ms(lambda: model.predict(X_test[:1], verbose=0)),
        "predict_10k_s": _timed(lambda: model.predict(X_test, verbose=0))[0],
        "model_call_1_ms": _median_ms(lambda: model(X_test[:1], training=False)),
    }


def bench_scikeras(estimator, X, y, X_test, y_test):
    from scikeras.wrappers import KerasClassifier

    keras.utils.set_random_seed(0)
    classifier = KerasClassifier(
        model=lambda: _fresh_model(estimator, len(X)),
        loss="categorical_crossentropy",  # makes scikeras one-hot encode y
        epochs=estimator.epochs,
        batch_size=estimator.batch_size,
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=["ann", "cnn"], choices=CONFIGS)
    parser.add_argument(
        "--libraries",
        nargs="+",
        default=LIBRARIES,
        choices=LIBRARIES,
    )
    parser.add_argument("--epochs", type=int, help="override (for a quick trial)")
    parser.add_argument("--n-train", type=int, default=60000)
    args = parser.parse_args()

    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    X_test, y_test = fetch_fashion_mnist(subset="test", return_X_y=True)
    scaler = MinMax255()
    X, y = scaler.transform(X[: args.n_train]), y[: args.n_train]
    X_test = scaler.transform(X_test)

    header = ("model", "library", "test acc", "fit s", "1 img ms", "10k s", "call ms")
    rows = []
    for name in args.models:
        cls, params = CONFIGS[name]
        if args.epochs:
            params = {**params, "epochs": args.epochs}
        skf = cls(random_state=0, **params)
        print(f"# {name}: {skf!r}", flush=True)
        results = {"skfashion": bench_skfashion(skf, X, y, X_test, y_test)}
        for library in args.libraries:
            if library in ("keras", "keras-pipeline"):
                pipeline = library == "keras-pipeline"
                results[library] = bench_keras(
                    skf, X, y, X_test, y_test, pipeline=pipeline
                )
            elif library == "scikeras":
                results[library] = bench_scikeras(skf, X, y, X_test, y_test)
        for library, r in results.items():
            if library not in args.libraries:
                continue
            rows.append(
                (
                    name,
                    library,
                    f"{100 * r['accuracy']:.2f}%",
                    f"{r['fit_s']:.1f}",
                    f"{r['predict_1_ms']:.1f}",
                    f"{r['predict_10k_s']:.2f}",
                    f"{r['model_call_1_ms']:.1f}" if "model_call_1_ms" in r else "",
                )
            )
            print("  ", rows[-1], flush=True)
    widths = [max(len(str(c)) for c in col) for col in zip(header, *rows, strict=True)]
    print()
    for row in (header, *rows):
        print("  ".join(str(c).rjust(w) for c, w in zip(row, widths, strict=True)))
    print(f"\nkeras {keras.__version__}; 'call ms' is keras.Model.__call__ on 1 image.")


if __name__ == "__main__":
    main()
