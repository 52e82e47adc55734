"""
=============================================
Where the network looks: saliency maps
=============================================

Train :class:`~skfashion.CNNClassifier` and :class:`~skfashion.ANNClassifier`
behind :class:`~skfashion.MinMax255`, then ask which pixels their predictions
depend on, with :func:`~skfashion.plotting.plot_saliency`:

- Grad-CAM (``method="gradcam"``, CNN only): the regions of the last
  convolution's feature maps that raise the predicted class's score;
- gradients (``method="gradient"``, both networks): how strongly the score
  reacts to each pixel;
- the model-randomization sanity check of Adebayo et al. (2018): maps that
  explain a network must change when its trained weights are replaced by
  random ones.

It trains both default networks on the 60,000 training images: the
"defaults" rows of :ref:`benchmarks` give how long that takes. The output on
this page comes from a shorter run, made when the documentation was built:
the same code, trained on the first 3,000 training images only.
"""

# %%
# Train the networks
# ------------------
import copy

import keras
import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr
from sklearn.pipeline import make_pipeline

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion.plotting import plot_saliency

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y = train.data, train.target
# sphinx_gallery_start_ignore
# Not shown in the docs: fewer images and epochs in the docs build and the
# tests (_gallery_modes.py).
from _gallery_modes import N_TRAIN, train_briefly  # noqa: E402

X, y = X[:N_TRAIN], y[:N_TRAIN]
# sphinx_gallery_end_ignore
cnn = make_pipeline(MinMax255(), CNNClassifier(random_state=0))
ann = make_pipeline(MinMax255(), ANNClassifier(random_state=0))
# sphinx_gallery_start_ignore
train_briefly(cnn, ann)
# sphinx_gallery_end_ignore
for name, model in (("CNN", cnn), ("ANN", ann)):
    model.fit(X, y)
    print(f"{name} test accuracy: {model.score(test.data, test.target):.2%}")

# The first test image of each class.
index = [np.flatnonzero(test.target == label)[0] for label in range(10)]
images, labels = test.data[index], test.target[index]

# %%
# Grad-CAM
# --------
# Grad-CAM weighs each feature map of the CNN's last convolution (after its
# batch normalization, if any, and ReLU) by how much the predicted class's score
# rises with it, sums them and keeps the positive part: the regions that
# speak for the class. The maps are as coarse as that layer (14x14, resized
# to the image), drawn over the image from blue (nothing) to red (the most).
# They often light up the dark background beside the garment rather than
# the garment itself: where a garment ends (its outline: sleeves or none,
# one leg or two) tells the classes apart as much as what it shows.
fig = plot_saliency(cnn, images, labels, target_names=test.target_names, n_cols=5)
fig.suptitle("Grad-CAM of the CNN's predicted class")

# %%
# Gradients
# ---------
# The absolute gradient of the predicted class's score with respect to each
# pixel: how much a small change of that pixel would change the score. The
# maps are sharp but noisy; the dense network's are spread over the whole
# image, as it weighs every pixel on its own.
fig = plot_saliency(
    cnn, images, labels, method="gradient", target_names=test.target_names, n_cols=5
)
fig.suptitle("Gradients of the CNN's predicted class")

fig = plot_saliency(
    ann, images, labels, method="gradient", target_names=test.target_names, n_cols=5
)
fig.suptitle("Gradients of the ANN's predicted class")

# %%
# The randomization sanity check
# ------------------------------
# A saliency method could draw appealing maps that show only the image's
# edges, whatever the network learned. Adebayo et al. (2018, "Sanity Checks
# for Saliency Maps") check this by comparing the maps of the trained
# network with those of the same architecture with random weights: they
# must differ. Here the CNN's weights are re-initialized with
# :func:`keras.models.clone_model`, which draws new weights from the layers'
# initializers, and the maps of both networks are compared by Spearman's
# rank correlation, image by image (each network explains its own predicted
# class). A correlation near 1 would fail the check. Each map is read back
# from its figure: it is the second image of each panel.
randomized = copy.deepcopy(cnn)
randomized[-1].model_ = keras.models.clone_model(cnn[-1].model_)
few, few_labels = images[:4], labels[:4]

methods = {"gradcam": "Grad-CAM", "gradient": "Gradients"}
fig = plt.figure(figsize=(13, 5.5), layout="constrained")
for row, method in zip(fig.subfigures(2, 1), methods, strict=True):
    left, right = row.subfigures(1, 2)
    for sub, model in ((left, cnn), (right, randomized)):
        plot_saliency(
            model,
            few,
            few_labels,
            method=method,
            target_names=test.target_names,
            n_cols=4,
            fig=sub,
        )
    rhos = []
    for trained_ax, random_ax in zip(left.axes, right.axes, strict=True):
        trained_map = trained_ax.get_images()[1].get_array()
        random_map = random_ax.get_images()[1].get_array()
        rhos.append(spearmanr(trained_map.ravel(), random_map.ravel()).statistic)
    print(f"{methods[method]}: rank correlations", np.round(rhos, 2))
    left.suptitle(f"{methods[method]}, trained CNN")
    right.suptitle(
        f"{methods[method]}, random weights: mean rank correlation "
        f"{np.nanmean(rhos):.2f}"
    )
plt.show()
