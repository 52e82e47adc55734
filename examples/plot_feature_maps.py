"""
====================================================
Inside the CNN: feature maps, mistakes, confusions
====================================================

Train :class:`~skfashion.CNNClassifier` behind :class:`~skfashion.MinMax255`,
then look at what it computes and where it goes wrong:

- :func:`~skfashion.plotting.plot_feature_maps` shows the outputs of the
  convolution and pooling layers for one test image;
- :func:`~skfashion.plotting.plot_images` shows test images the network
  misclassifies, with their true and predicted classes;
- scikit-learn's :class:`~sklearn.metrics.ConfusionMatrixDisplay`, with the
  class names, shows which classes it confuses.

On a 2-core CPU this takes about 8 minutes (the default CNN, 15 epochs on
the 60,000 training images). Set ``SKFASHION_EXAMPLES_QUICK=1`` to train a
smaller network on 2,000 images for 2 epochs instead (what the tests do).
"""

# %%
# Train the CNN
# -------------
import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import make_pipeline

from skfashion import CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion.plotting import plot_feature_maps, plot_images, plot_training_history

quick = os.environ.get("SKFASHION_EXAMPLES_QUICK") == "1"
train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.data, train.target
settings = {}
if quick:
    X, y = X[:2000], y[:2000]
    settings = {"filters": (8, 16), "dense_units": (32,), "epochs": 2, "batch_size": 64}
model = make_pipeline(MinMax255(), CNNClassifier(random_state=0, **settings))
model.fit(X, y)
y_pred = model.predict(test.data)
print(f"test accuracy: {np.mean(y_pred == test.target):.2%}")

# %%
# :func:`~skfashion.plotting.plot_training_history` plots the per-epoch
# loss and accuracy recorded in ``history_``.
plot_training_history(model)

# %%
# Feature maps of one test image
# ------------------------------
# The image goes through the pipeline's ``MinMax255`` first, then through the
# network. Each panel is one channel of a layer, scaled to its own range:
# the channels of the first convolution (``conv1``) respond to edges and to
# bright or dark regions at full resolution, each pooling layer halves the
# resolution, and the second convolution (``conv2``) combines the first
# one's channels into coarser parts of the garment. By default the first 16
# channels of each layer are shown; ``layers=`` picks layers by name,
# ``max_maps=None`` shows every channel.
index = 0
print(f"test image {index}: a {test.target_names[test.target[index]]}")
fig = plot_feature_maps(model, test.data[index])
fig.suptitle(
    f"{test.target_names[test.target[index]]}, predicted "
    f"{test.target_names[y_pred[index]]}"
)

# %%
# The mistakes
# ------------
# The first misclassified test images, true class over predicted class.
wrong = np.flatnonzero(y_pred != test.target)
print(f"{len(wrong)} of {len(y_pred)} test images misclassified")
fig = plot_images(
    test.data[wrong],
    test.target[wrong],
    y_pred[wrong],
    target_names=test.target_names,
    max_images=24,
)
fig.suptitle("Misclassified test images")

# %%
# The confusion matrix
# --------------------
# Rows are the true classes, columns the predicted ones. Shirts, T-shirts,
# pullovers and coats are the classes most often confused.
fig, ax = plt.subplots(figsize=(8, 8), layout="constrained")
ConfusionMatrixDisplay.from_predictions(
    test.target,
    y_pred,
    display_labels=test.target_names,
    xticks_rotation=45,
    colorbar=False,
    ax=ax,
)
ax.set_title("CNNClassifier on the Fashion-MNIST test set")
plt.show()
