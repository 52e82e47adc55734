"""
====================================================
Inside the CNN: feature maps, mistakes, confusions
====================================================

Train :class:`~skfashion.CNNClassifier` behind :class:`~skfashion.MinMax255`,
then look at what it computes and where it goes wrong:

- :func:`~skfashion.plotting.plot_feature_maps` shows, for three test
  images side by side, the strongest outputs of each convolution and
  pooling layer, as the study that skfashion reproduces drew them;
- :func:`~skfashion.plotting.plot_images` shows test images the network
  misclassifies, with their true and predicted classes;
- scikit-learn's :class:`~sklearn.metrics.ConfusionMatrixDisplay`, with the
  class names, shows which classes it confuses.

It trains the default CNN on the 60,000 training images: the "CNN,
defaults" row of :ref:`benchmarks` gives how long that takes. The output on
this page comes from a shorter run, made when the documentation was built:
the same code, trained on the first 3,000 training images only, which makes
more mistakes than the network trained on all of them.
"""

# %%
# Train the CNN
# -------------
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import ConfusionMatrixDisplay
from sklearn.pipeline import make_pipeline

from skfashion import CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion.plotting import plot_feature_maps, plot_images, plot_training_history

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.data, train.target
# sphinx_gallery_start_ignore
# Not shown in the docs: fewer images and epochs in the docs build and the
# tests (_gallery_modes.py).
from _gallery_modes import N_TRAIN, train_briefly  # noqa: E402

X, y = X[:N_TRAIN], y[:N_TRAIN]
# sphinx_gallery_end_ignore
model = make_pipeline(MinMax255(), CNNClassifier(random_state=0))
# sphinx_gallery_start_ignore
train_briefly(model)
# sphinx_gallery_end_ignore
model.fit(X, y)
y_pred = model.predict(test.data)
print(f"test accuracy: {np.mean(y_pred == test.target):.2%}")

# %%
# :func:`~skfashion.plotting.plot_training_history` plots the per-epoch
# loss and accuracy recorded in ``history_``.
plot_training_history(model)

# %%
# The strongest feature maps of three test images
# -----------------------------------------------
# Each image goes through the pipeline's ``MinMax255`` first, then through
# the network. Each column block is one image, titled by its true and
# predicted class; each panel is one channel of a layer, titled by its
# number and scaled to its own range. The channels of the first convolution
# (``conv1``) respond to edges and to bright or dark regions at full
# resolution, each pooling layer halves the resolution, and the second
# convolution (``conv2``) combines the first one's channels into coarser
# parts of the garment.
#
# ``order="strongest"`` (the default) shows, for each image and layer, the
# ``max_maps`` channels with the largest mean activation, largest first: the
# maps that respond to that image, so the blocks show different channels.
# ``order="index"`` shows the same channels (0, 1, ...) for every image;
# ``layers=`` picks layers by name, ``max_maps=None`` shows every channel.
fig = plot_feature_maps(
    model,
    test.data[:3],
    test.target[:3],
    order="strongest",
    max_maps=4,
    n_cols=2,
    target_names=test.target_names,
)
fig.suptitle("The 4 strongest feature maps of each layer")

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
