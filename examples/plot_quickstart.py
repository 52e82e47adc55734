"""
====================================
Quickstart: a pipeline and a score
====================================

Load Fashion-MNIST, put :class:`~skfashion.MinMax255` and
:class:`~skfashion.ANNClassifier` into a scikit-learn
:class:`~sklearn.pipeline.Pipeline`, train it on the 60,000 training images,
score it on the 10,000 test images and look at a few of its predictions.
Nothing here is specific to neural networks: the pipeline fits, predicts and
scores like any scikit-learn estimator.

It trains the default ANN on all the training images: the "ANN, defaults"
row of :ref:`benchmarks` gives how long that takes (the first call of
:func:`~skfashion.datasets.fetch_fashion_mnist` also downloads the data, 30
MB). The output on this page comes from a shorter run, made when the
documentation was built: the same code, trained on the first 3,000 training
images only and scored on all 10,000 test images.
"""

# %%
# Load the data
# -------------
# :func:`~skfashion.datasets.fetch_fashion_mnist` returns a
# :class:`~sklearn.utils.Bunch`: ``data`` holds one row of 784 pixel values
# (0 to 255) per image, ``target`` the labels 0 to 9 and ``target_names``
# the class names.
import time

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from skfashion import ANNClassifier, MinMax255, fetch_fashion_mnist
from skfashion.plotting import plot_images

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X_train, y_train = train.data, train.target
# sphinx_gallery_start_ignore
# Not shown in the docs: fewer images and epochs in the docs build and the
# tests (_gallery_modes.py).
from _gallery_modes import N_TRAIN, train_briefly  # noqa: E402

X_train, y_train = X_train[:N_TRAIN], y_train[:N_TRAIN]
# sphinx_gallery_end_ignore
print(f"training images: {X_train.shape}, test images: {test.data.shape}")
print("classes:", ", ".join(train.target_names))

# %%
# Train a pipeline
# ----------------
# ``MinMax255`` scales the pixels to [0, 1] (it needs no fitting); the
# ``ANNClassifier`` is a dense network, here with its defaults.
# ``random_state`` makes the result reproducible on the CPU.
model = make_pipeline(MinMax255(), ANNClassifier(random_state=0))
# sphinx_gallery_start_ignore
train_briefly(model)
# sphinx_gallery_end_ignore
start = time.perf_counter()
model.fit(X_train, y_train)
print(f"trained in {time.perf_counter() - start:.0f} s")
print(model)

# %%
# The defaults ``epochs="auto"`` and ``batch_size="auto"`` follow the size
# of the training set: on a few thousand images a fit takes smaller batches
# and more passes over the data than on all 60,000, so that it still makes
# enough optimizer steps (the parameters ``epochs`` and ``batch_size`` of
# :class:`~skfashion.ANNClassifier` say how many). The fitted classifier
# tells what it did:
ann = model[-1]
print(f"{ann.n_iter_} epochs of batches of {ann.batch_size_}: {ann.n_steps_} steps")

# %%
# Score it
# --------
# ``score`` is the accuracy on the test set, as for every scikit-learn
# classifier.
accuracy = model.score(test.data, test.target)
print(f"test accuracy: {accuracy:.2%}")

# %%
# Predict
# -------
# ``predict`` gives labels, ``predict_proba`` one probability per class.
# Predicting a single image is fast: one call of the network (see the
# benchmarks).
image = test.data[:1]
label = model.predict(image)[0]
proba = model.predict_proba(image)[0]
print(f"first test image: {test.target_names[label]} (p = {proba.max():.2f})")
top3 = np.argsort(proba)[::-1][:3]
print("top 3:", ", ".join(f"{test.target_names[k]} {proba[k]:.2f}" for k in top3))

# %%
# Look at some predictions
# ------------------------
# :func:`~skfashion.plotting.plot_images` titles each image with its true and
# predicted class, and marks the mistakes in red.
y_pred = model.predict(test.data[:24])
fig = plot_images(
    test.data[:24], test.target[:24], y_pred, target_names=test.target_names
)
fig.suptitle(f"ANNClassifier on the first test images ({accuracy:.1%} overall)")
plt.show()

# %%
# Next steps
# ----------
# - :class:`~skfashion.CNNClassifier` is a convolutional network, more
#   accurate on images; it drops into the same pipeline.
# - Every hyperparameter is a constructor argument, so
#   :class:`~sklearn.model_selection.GridSearchCV` can tune them.
# - :mod:`skfashion.callbacks` shows training in TensorBoard.
