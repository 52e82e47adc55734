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
candidate on all of them and scores it on the 10,000 test images.

On a 2-core CPU this takes about 10 minutes (12 fits on 40,000 images, and
the refit). Set ``SKFASHION_EXAMPLES_QUICK=1`` to search with a small network
on 1,000 images, 2 epochs and 2 folds instead (what the tests do).
"""

# %%
# The pipeline and the grid
# -------------------------
# A pipeline step's parameters are named ``<step>__<parameter>``: the step
# is called ``ann`` here, so its dropout is ``ann__dropout``.
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skfashion import ANNClassifier, MinMax255, fetch_fashion_mnist

quick = os.environ.get("SKFASHION_EXAMPLES_QUICK") == "1"
train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.data, train.target
settings, cv = {}, 3
if quick:
    X, y = X[:1000], y[:1000]
    settings = {"hidden_layer_sizes": (64,), "epochs": 2, "batch_size": 64}
    cv = 2

pipeline = Pipeline(
    [("scale", MinMax255()), ("ann", ANNClassifier(random_state=0, **settings))]
)
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
search = GridSearchCV(pipeline, param_grid, cv=cv, n_jobs=1)
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
ax.set_title(f"ANNClassifier, {cv}-fold CV on {len(X):,} images")
plt.show()

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
