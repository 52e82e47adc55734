"""
================================================
Learning curves: the defaults at every data size
================================================

How accurate is a classifier trained on 100 images, on 1,000, on all
60,000? scikit-learn's :func:`~sklearn.model_selection.learning_curve`
answers by training it on ever larger subsets of the training set and
scoring every fit on the same held-out images. Here it does so for three
neural networks, each with its defaults, behind
:class:`~skfashion.MinMax255`: scikit-learn's
:class:`~sklearn.neural_network.MLPClassifier`, and skfashion's
:class:`~skfashion.ANNClassifier` and :class:`~skfashion.CNNClassifier`.

Users meet a package on small data first (a subset for a quick look, the
folds of a grid search, their own few hundred images), so skfashion's
defaults are judged at every size, not only on the 60,000 images:
``epochs="auto"`` and ``batch_size="auto"`` take smaller batches and more
passes over fewer images, so that every fit makes enough optimizer steps.
The learning curves of :ref:`benchmarks` (``benchmarks/bench_data_sizes.py``)
measure the same with several random subsets per size and time the fits.

The full run trains each model on 100, 300, 1,000, 3,000, 10,000 and
60,000 images and scores it on the 10,000 test images. Its fits on all the
training images alone take as long as the "defaults" rows of
:ref:`benchmarks` together, plus MLPClassifier's: expect a long run. The
output on this page comes from a shorter run, made when the documentation
was built: the same code with the sizes 100, 300 and 1,000 only.
"""

# %%
# One training set, one held-out set
# ----------------------------------
# A :class:`~sklearn.model_selection.PredefinedSplit` makes one split out
# of all 70,000 images: the 60,000 training images (marked -1: never held
# out) to draw the training subsets from, and the 10,000 test images (fold
# 0) to score every fit on.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import PredefinedSplit, learning_curve
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist

X, y = fetch_fashion_mnist(subset="all", return_X_y=True)  # training images first
cv = PredefinedSplit(np.repeat([-1, 0], [60_000, 10_000]))
train_sizes = [100, 300, 1000, 3000, 10_000, 60_000]
# sphinx_gallery_start_ignore
# Not shown in the docs. Their build (SKFASHION_EXAMPLES_QUICK=1) trains on
# 100, 300 and 1,000 images; the tests (SKFASHION_EXAMPLES_TEST=1) on 50
# and 100 of the first 1,000 training images, for 2 epochs, scored on 500
# test images: they check that the example runs, not its accuracy.
from _gallery_modes import QUICK, TINY, train_briefly  # noqa: E402

if QUICK:
    train_sizes = [100, 300, 1000]
if TINY:
    keep = np.r_[:1000, 60_000:60_500]
    X, y = X[keep], y[keep]
    cv = PredefinedSplit(np.repeat([-1, 0], [1000, 500]))
    train_sizes = [50, 100]
# sphinx_gallery_end_ignore

# %%
# Three models with their defaults
# --------------------------------
# ``random_state=0`` makes each fit reproducible; nothing else is set.
models = {
    "MLPClassifier": make_pipeline(MinMax255(), MLPClassifier(random_state=0)),
    "ANNClassifier": make_pipeline(MinMax255(), ANNClassifier(random_state=0)),
    "CNNClassifier": make_pipeline(MinMax255(), CNNClassifier(random_state=0)),
}
# sphinx_gallery_start_ignore
train_briefly(models["ANNClassifier"], models["CNNClassifier"])
# sphinx_gallery_end_ignore

# %%
# The learning curves
# -------------------
# ``shuffle=True`` draws each training subset at random from the training
# images (the smaller subsets are part of the larger ones);
# ``return_times=True`` adds the fit times. With one split, each size is
# one fit per model. MLPClassifier often stops at its ``max_iter`` (200
# epochs) before its training loss settles, and says so with a
# ``ConvergenceWarning``; the warnings are silenced here.
curves = {}
for name, model in models.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        sizes, _, test_scores, fit_times, _ = learning_curve(
            model,
            X,
            y,
            train_sizes=train_sizes,
            cv=cv,
            shuffle=True,
            random_state=0,
            return_times=True,
        )
    curves[name] = (test_scores[:, 0], fit_times[:, 0])

print(f"{'images':>7}" + "".join(f"{name:>15}" for name in curves))
for i, size in enumerate(sizes):
    row = "".join(f"{accuracy[i]:>15.2%}" for accuracy, _ in curves.values())
    print(f"{size:>7,}{row}")

# %%
# The test accuracy and the fit time of each model by training-set size.
# The CNN, whose convolutions share their weights across the image, learns
# the most from few images. skfashion's networks pay for their accuracy on
# small data: their fits make a few thousand optimizer steps whatever the
# number of images (only the batches grow with the data), where
# MLPClassifier's fit time grows with the number of images.
fig, (ax_score, ax_time) = plt.subplots(1, 2, figsize=(11, 4.5), layout="constrained")
for name, (accuracy, seconds) in curves.items():
    ax_score.plot(sizes, accuracy, marker="o", label=name)
    ax_time.plot(sizes, seconds, marker="o", label=name)
ax_score.set(ylabel="accuracy on the 10,000 test images", title="Test accuracy")
ax_time.set(yscale="log", ylabel="fit time (s)", title="Fit time")
for ax in (ax_score, ax_time):
    ax.set_xscale("log")
    ax.set_xticks(sizes, [f"{size:,}" for size in sizes], minor=False)
    ax.minorticks_off()
    ax.set_xlabel("training images")
    ax.grid(True, alpha=0.3)
    ax.legend()
plt.show()
