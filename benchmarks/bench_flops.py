"""The default CNN's training rate as a share of what the core can do.

Run: ``taskset -c 1 python benchmarks/bench_flops.py [--rows N] [--epochs E]
[NAME=VALUE ...]``

Counts the floating-point operations of one training step of
``CNNClassifier`` from its layers (a convolution's or dense layer's
multiply-adds, twice for the two operations, times three for the forward
pass and the two products of the backward pass; normalization, pooling and
activations are left out, as they are in the usual counts), times a fit of
``--epochs`` epochs on the first ``--rows`` training images, and divides the
rate it reached by NumPy's float32 matrix product on one core (2,048 x
2,048 matrices, in a child process with one BLAS thread), measured in the
same run: the share of the limit that training reaches. ``NAME=VALUE``
arguments set the CNN (for example ``batch_normalization=False``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from bench_classifiers import parse_assignments

from skfashion import CNNClassifier, MinMax255, fetch_fashion_mnist

MATMUL = """
import time, numpy as np
a = np.random.default_rng(0).random((2048, 2048), dtype=np.float32)
a @ a
best = min((lambda t: (a @ a, time.perf_counter() - t)[1])(time.perf_counter())
           for _ in range(5))
print(2 * 2048**3 / best)
"""


def matmul_flops() -> float:
    """NumPy's float32 matrix product on one thread, in FLOP/s."""
    one_thread = {
        **os.environ,
        **{
            v: "1"
            for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
        },
    }
    out = subprocess.run(
        [sys.executable, "-c", MATMUL], env=one_thread, capture_output=True, text=True
    )
    return float(out.stdout.strip())


def training_flops_per_image(model) -> float:
    """3 x the forward pass's multiply-adds x 2, over convolutions and dense layers."""
    import keras

    total = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, height, width, channels_out = layer.output.shape
            k_h, k_w, channels_in, _ = layer.kernel.shape
            total += height * width * k_h * k_w * channels_in * channels_out
        elif isinstance(layer, keras.layers.Dense):
            total += layer.kernel.shape[0] * layer.kernel.shape[1]
    return 3 * 2 * total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=20000)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("params", nargs="*", metavar="NAME=VALUE")
    args = parser.parse_args()
    params = parse_assignments(args.params)
    X, y = fetch_fashion_mnist(subset="train", return_X_y=True)
    X, y = MinMax255().transform(X[: args.rows]), y[: args.rows]

    limit = matmul_flops()
    estimator = CNNClassifier(random_state=0, **params)
    # A first, short fit loads TensorFlow's kernels; the timed fit still
    # builds and traces its own network (about a second), so the share is a
    # little low rather than high.
    estimator.set_params(epochs=1).fit(X[:640], y[:640])
    start = time.perf_counter()
    estimator.set_params(epochs=args.epochs).fit(X, y)
    seconds = time.perf_counter() - start
    per_image = training_flops_per_image(estimator.model_)
    rate = per_image * len(X) * args.epochs / seconds
    network = params or "defaults"
    print(f"network: {network}; {per_image / 1e6:.2f} MFLOP per image trained")
    print(f"training: {args.epochs} epochs of {len(X)} images in {seconds:.1f} s")
    print(f"training rate {rate / 1e9:.1f} GFLOP/s")
    print(f"one-core float32 matrix product {limit / 1e9:.1f} GFLOP/s")
    print(f"share of the limit: {rate / limit:.1%}")


if __name__ == "__main__":
    main()
