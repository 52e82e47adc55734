"""
=====================================
Tuning a pipeline with GridSearchCV
=====================================

skfashion's classifiers are scikit-learn estimators with every
hyperparameter in the constructor, so
:class:`~sklearn.model_selection.GridSearchCV` tunes them like any other:
here the dropout of :class:`~skfashion.ANNClassifier` (a model parameter) and
its learning rate (an optimizer parameter), inside a
:class:`~sklearn.pipeline.Pipeline` behind :class:`~skfashion.MinMax255`.
The search trains one network per candidate and fold, with stratified 3-fold
cross-validation on the 60,000 training images, then refits the best
candidate on all of them and scores it on the 10,000 test images. The
:class:`~skfashion.callbacks.TensorBoard` callback logs every fit, so that
TensorBoard's HParams tab shows the whole search: each fit with its
parameters and its final loss and accuracy.

It makes 12 fits on 40,000 images (two thirds of the training set) and one
on all 60,000, each holding out a tenth for validation: about 8 times the
"ANN, defaults" fit of :ref:`benchmarks`. The output on this page comes
from a shorter run, made when the documentation was built: the same search
on the first 3,000 training images only, with 2 folds instead of 3 (8 fits
on 1,500 images and the refit on 3,000) and 40 epochs per fit (the run
folders' names show ``epochs=40``), logging into a temporary folder. On so
few images the default ``epochs="auto"`` would train each network more than
twice as long, for about the same scores.
"""

# %%
# The pipeline and the grid
# -------------------------
# A pipeline step's parameters are named ``<step>__<parameter>``: the step
# is called ``ann`` here, so its dropout is ``ann__dropout``. The
# classifier's ``validation_split=0.1`` holds out a tenth of each fit's
# images, whose loss and accuracy TensorBoard then shows beside the
# training ones; ``histogram_freq=0`` leaves out the weight histograms.
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skfashion import ANNClassifier, MinMax255, fetch_fashion_mnist
from skfashion.callbacks import TensorBoard

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.data, train.target
log_dir = Path("runs") / "grid_search"
# sphinx_gallery_start_ignore
# Not shown in the docs. Their build (SKFASHION_EXAMPLES_QUICK=1) searches
# on the first 3,000 training images with 2 folds, 40 epochs per fit (the
# default, 118 epochs on these 1,350 training rows, scores about the same in
# two and a half times as long: the gallery would exceed its 10 minutes);
# the tests (SKFASHION_EXAMPLES_TEST=1) on 300, for 2 epochs: they check
# that the example runs, not its accuracy. Both log into a temporary folder,
# deleted at exit, so that they leave no files.
import tempfile  # noqa: E402

from _gallery_modes import N_TRAIN, QUICK, TINY  # noqa: E402

X, y = X[:N_TRAIN], y[:N_TRAIN]
if QUICK or TINY:
    temporary = tempfile.TemporaryDirectory(prefix="skfashion-runs-")
    log_dir = Path(temporary.name)
# sphinx_gallery_end_ignore

ann = ANNClassifier(
    validation_split=0.1,
    random_state=0,
    callbacks=[TensorBoard(log_dir, histogram_freq=0)],
)
# sphinx_gallery_start_ignore
if QUICK or TINY:
    ann.set_params(epochs=2 if TINY else 40)
# sphinx_gallery_end_ignore
pipeline = Pipeline([("scale", MinMax255()), ("ann", ann)])
param_grid = {
    "ann__dropout": [0.1, 0.3],
    "ann__learning_rate": [1e-3, 3e-3],
}

# %%
# Search
# ------
# With an integer ``cv``, GridSearchCV uses stratified folds, because
# skfashion's classifiers are classifiers to scikit-learn
# (``sklearn.base.is_classifier`` is True). ``n_jobs=1`` trains one network
# at a time: TensorFlow already uses every core for one fit.
search = GridSearchCV(pipeline, param_grid, cv=3, n_jobs=1)
# sphinx_gallery_start_ignore
if QUICK or TINY:
    search.set_params(cv=2)
# sphinx_gallery_end_ignore
search.fit(X, y)

# %%
# The results
# -----------
# ``cv_results_`` holds every candidate's scores and times; here as a table,
# best first.
results = search.cv_results_
print(f"{'rank':>4}  {'dropout':>7}  {'learning_rate':>13}  {'accuracy':>15}  fit s")
for i in np.argsort(results["rank_test_score"], kind="stable"):
    print(
        f"{results['rank_test_score'][i]:>4}  "
        f"{results['param_ann__dropout'][i]:>7}  "
        f"{results['param_ann__learning_rate'][i]:>13}  "
        f"{results['mean_test_score'][i]:>8.2%} ± {results['std_test_score'][i]:.2%}  "
        f"{results['mean_fit_time'][i]:5.1f}"
    )
print("best:", search.best_params_)
print(
    f"best candidate, refit on all training images: test accuracy "
    f"{search.score(test.data, test.target):.2%}"
)

# %%
# The mean cross-validated accuracy of each candidate, as a grid:
dropouts = param_grid["ann__dropout"]
rates = param_grid["ann__learning_rate"]
scores = np.empty((len(dropouts), len(rates)))
for params, score in zip(results["params"], results["mean_test_score"], strict=True):
    row = dropouts.index(params["ann__dropout"])
    col = rates.index(params["ann__learning_rate"])
    scores[row, col] = score
fig, ax = plt.subplots(figsize=(5, 4), layout="constrained")
image = ax.imshow(scores, cmap="viridis")
ax.set_xticks(range(len(rates)), [f"{rate:g}" for rate in rates])
ax.set_yticks(range(len(dropouts)), [f"{dropout:g}" for dropout in dropouts])
ax.set_xlabel("ann__learning_rate")
ax.set_ylabel("ann__dropout")
middle = (scores.min() + scores.max()) / 2
for (row, col), score in np.ndenumerate(scores):
    color = "black" if score > middle else "white"  # readable on viridis
    ax.text(col, row, f"{score:.1%}", ha="center", va="center", color=color)
fig.colorbar(image, ax=ax, label="mean CV accuracy")
ax.set_title(f"ANNClassifier, {search.n_splits_}-fold CV on {len(X):,} images")
plt.show()

# %%
# The search in TensorBoard's HParams tab
# ---------------------------------------
# Each fit wrote a run folder under ``log_dir``: one per candidate and fold,
# and one for the refit.
runs = sorted(path.name for path in log_dir.iterdir())
print(f"{len(runs)} runs in {log_dir}, for example {runs[0]}")
print(f"tensorboard --logdir {log_dir}")

# %%
# Run that command, open http://localhost:6006 and choose the **HParams**
# tab. Its **Table View** has a row per candidate (the fits with the same
# parameters form a group: the folds, and for the best candidate the refit
# too), with the classifier's parameters (``dropout`` and ``learning_rate``
# first, then those that every fit shares) and, as metrics, the last
# epoch's ``epoch_loss`` and ``epoch_accuracy`` of the ``train`` and
# ``validation`` runs, averaged over the group; "Show Metrics" plots the
# curves of a row's fits. The **Parallel Coordinates View** draws each
# candidate as a line through its parameters and metrics: select a range
# on the ``validation`` accuracy's axis to see which parameters the best
# candidates share. The **Scatter Plot Matrix View** plots each metric
# against each parameter.
#
# .. image:: /_static/hparams.png
#    :alt: TensorBoard's HParams tab, table view, after a small run of this
#          search (a smaller network, 1,000 images, 2 epochs, 2 folds): a
#          row per candidate with its parameters and final training and
#          validation accuracy and loss.
#
# The validation accuracy there is that of the tenth each fit held out, not
# the cross-validated score that ranks the candidates in ``cv_results_``.
# More in the user guide: :ref:`tensorboard_hparams`.

# %%
# Going further
# -------------
# - Routed parameters tune what the constructor does not name: the
#   optimizer's other arguments as ``ann__optimizer__<name>`` (for example
#   ``ann__optimizer__beta_1``), Keras' ``fit`` arguments as
#   ``ann__fit__<name>``.
# - The classifier itself can be a parameter of the grid, to compare the
#   dense and the convolutional network in one search:
#
#   .. code-block:: python
#
#       from skfashion import CNNClassifier
#
#       pipeline = Pipeline([("scale", MinMax255()), ("clf", ANNClassifier())])
#       param_grid = [
#           {"clf": [ANNClassifier()], "clf__dropout": [0.1, 0.3]},
#           {"clf": [CNNClassifier()], "clf__filters": [(16, 64), (32, 64)]},
#       ]
#       search = GridSearchCV(pipeline, param_grid, cv=3)
#
# - To train the candidates on several machines, see the user guide's page
#   :ref:`grid_search` (joblib's Dask backend).
