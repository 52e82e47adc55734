"""
================================================
A trained CNN's features for scikit-learn models
================================================

:class:`~skfashion.LayerTransformer` makes a trained network a scikit-learn
transformer: its ``transform`` returns what one layer of the network
computes for each image. By default that is the layer feeding the softmax
(``dense_1`` for :class:`~skfashion.CNNClassifier`): the features the
network's own last layer classifies. Here:

- a logistic regression on the CNN's features, compared with a logistic
  regression on the raw pixels and with the CNN itself;
- a t-SNE map (:class:`~sklearn.manifold.TSNE`) of the test images'
  features coloured by class, beside the same map of their pixels.

Training the default CNN on the 60,000 training images takes as long as in
:ref:`benchmarks`; the logistic regression on the pixels and the two t-SNE
maps add a few minutes. The output on this page comes from a shorter run,
made when the documentation was built: the same code, with the network and
the logistic regressions trained on the first 3,000 training images only,
scored on all 10,000 test images.
"""

# %%
# Train the CNN and read its features
# -----------------------------------
# ``LayerTransformer(cnn).fit(X, y)`` trains a clone of the pipeline, kept
# as ``estimator_``; ``transform`` then passes images through the
# pipeline's :class:`~skfashion.MinMax255` and the network, up to the layer.
import matplotlib.pyplot as plt
from sklearn.linear_model import LogisticRegression
from sklearn.manifold import TSNE
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skfashion import CNNClassifier, LayerTransformer, MinMax255, fetch_fashion_mnist

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
X, y, X_test, y_test = train.data, train.target, test.data, test.target
# sphinx_gallery_start_ignore
# Not shown in the docs. Their build (SKFASHION_EXAMPLES_QUICK=1) trains on
# the first 3,000 training images; the tests (SKFASHION_EXAMPLES_TEST=1) on
# 300, for 2 epochs, and score and map 500 test images: they check that the
# example runs, not its accuracy.
from _gallery_modes import N_TRAIN, TINY, train_briefly  # noqa: E402

X, y = X[:N_TRAIN], y[:N_TRAIN]
if TINY:
    X_test, y_test = X_test[:500], y_test[:500]
# sphinx_gallery_end_ignore

cnn = make_pipeline(MinMax255(), CNNClassifier(random_state=0))
# sphinx_gallery_start_ignore
train_briefly(cnn)
# sphinx_gallery_end_ignore
features = LayerTransformer(cnn).fit(X, y)
print(f"layer {features.layer_!r}: {features.n_features_out_} features per image")
print("feature names:", ", ".join(features.get_feature_names_out()[:3]), "...")

# %%
# Three classifiers
# -----------------
# The logistic regression on the features reuses the trained network with
# ``prefit=True``: fitting the pipeline fits the scaler and the regression,
# not the network again. The other one learns from the pixels directly.
trained = features.estimator_
on_features = make_pipeline(
    LayerTransformer(trained, prefit=True),
    StandardScaler(),
    LogisticRegression(max_iter=1000),
)
on_pixels = make_pipeline(MinMax255(), LogisticRegression(max_iter=1000))
scores = {
    "pixels + logistic regression": on_pixels.fit(X, y).score(X_test, y_test),
    "CNN features + logistic regression": on_features.fit(X, y).score(X_test, y_test),
    "CNN": trained.score(X_test, y_test),
}
for name, score in scores.items():
    print(f"{name}: test accuracy {score:.2%}")

# %%
# The CNN is well ahead of the logistic regression on the pixels, and a
# logistic regression on its features is about as accurate as the CNN: its
# softmax layer is itself a linear model of these features, so what the
# network learned is in them.
fig, ax = plt.subplots(figsize=(7, 3), layout="constrained")
bars = ax.barh(list(scores), list(scores.values()), color=["C7", "C0", "C1"])
ax.bar_label(bars, fmt="{:.1%}", padding=3)
ax.set_xlim(0, 1.1)
ax.invert_yaxis()
ax.set_xlabel("accuracy on the test images")
ax.set_title("Fashion-MNIST: the CNN's features against the pixels")

# %%
# A map of the features
# ---------------------
# t-SNE places each test image on a plane so that images with similar
# features lie close together. On the network's features the classes form
# separate groups, with shirts, T-shirts, pullovers and coats touching (the
# classes the network confuses); on the pixels they overlap far more.
# Footwear, trousers and bags stand apart in both.
images, labels = X_test[:2000], y_test[:2000]
maps = {
    "the pixels": TSNE(random_state=0).fit_transform(images / 255),
    f"the CNN's {features.layer_} features": TSNE(random_state=0).fit_transform(
        features.transform(images)
    ),
}
fig, axes = plt.subplots(1, 2, figsize=(12, 6.5), layout="constrained")
for ax, (title, points) in zip(axes, maps.items(), strict=True):
    for label, name in enumerate(test.target_names):
        where = labels == label
        ax.scatter(*points[where].T, s=6, color=plt.cm.tab10(label), label=name)
    ax.set_title(f"t-SNE of {title}, {len(images):,} test images")
    ax.set_xticks([])
    ax.set_yticks([])
axes[1].legend(loc="center left", bbox_to_anchor=(1, 0.5), markerscale=3)
plt.show()

# %%
# The features as a DataFrame
# ---------------------------
# With ``set_output(transform="pandas")`` the features come with their
# names, ``<layer>_<index>``:
frame = features.set_output(transform="pandas").transform(X_test[:3])
print(frame.iloc[:, :4].round(2))
