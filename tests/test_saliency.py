"""Saliency maps: known answers, the randomization sanity check, the figure."""

from __future__ import annotations

import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.stats import spearmanr
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion._inspect import model_and_input
from skfashion._saliency import last_convolution, saliency_maps
from skfashion.datasets import FASHION_MNIST_CLASSES
from skfashion.plotting import plot_saliency

plt = pytest.importorskip("matplotlib.pyplot")

# Small networks trained on 2,000 real images: enough to move the weights far
# from their initial values, which is what the randomization check needs.
SMALL_CNN = dict(filters=(8, 16), dense_units=(32,), epochs=2, batch_size=32)
SMALL_ANN = dict(hidden_layer_sizes=(64,), epochs=2, batch_size=32)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data(fashion_home):
    train = fetch_fashion_mnist(data_home=fashion_home, subset="train")
    test = fetch_fashion_mnist(data_home=fashion_home, subset="test")
    return train.data[:2000], train.target[:2000], test.data[:100], test.target[:100]


@pytest.fixture(scope="module")
def cnn(data):
    X, y, _, _ = data
    return make_pipeline(MinMax255(), CNNClassifier(**SMALL_CNN, random_state=0)).fit(
        X, y
    )


@pytest.fixture(scope="module")
def ann(data):
    X, y, _, _ = data
    return make_pipeline(MinMax255(), ANNClassifier(**SMALL_ANN, random_state=0)).fit(
        X, y
    )


def logits(model, rows) -> np.ndarray:
    """The class scores before the softmax, computed apart from _saliency."""
    head = model.get_layer("softmax")
    probe = keras.Model(model.inputs[0], head.input)
    features = keras.ops.convert_to_numpy(probe(rows, training=False))
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in head.get_weights())
    return features @ kernel + bias


def float64_logits(model):
    """``logits`` of a float64 copy of ``model``: a function of float64 rows."""
    head = model.get_layer("softmax")
    probe = keras.Model(model.inputs[0], head.input)
    config = probe.get_config()
    for layer in config["layers"]:
        layer["config"]["dtype"] = "float64"
    copy = keras.Model.from_config(config)
    copy.set_weights([np.asarray(w, dtype=np.float64) for w in probe.get_weights()])
    kernel, bias = (np.asarray(w, dtype=np.float64) for w in head.get_weights())

    def scores(rows: np.ndarray) -> np.ndarray:
        features = keras.ops.convert_to_numpy(copy(rows, training=False))
        return features @ kernel + bias

    return scores


# ----------------------------------------------------------- known answers
def test_gradcam_of_a_global_average_pooling_network_is_its_cam():
    # For convolutions -> global average pooling -> softmax, the class score
    # is sum_k w[k, c] * mean(A_k), so Grad-CAM's weights are w[k, c] / Z
    # (Z positions) and its map is ReLU(CAM_c) / Z, the class activation map
    # of Zhou et al. (2016) (Selvaraju et al. 2017, section 3.1).
    inputs = keras.Input((64,))
    x = keras.layers.Reshape((8, 8, 1), name="image")(inputs)
    x = keras.layers.MaxPooling2D(2, name="pool")(x)  # 4x4 maps, resized to 8x8
    x = keras.layers.Conv2D(5, 3, padding="same", name="conv")(x)
    x = keras.layers.BatchNormalization(name="conv_bn")(x)
    x = keras.layers.Activation("relu", name="conv_relu")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(3, "softmax", name="softmax")(x)
    model = keras.Model(inputs, outputs)
    rng = np.random.default_rng(0)
    model.set_weights([rng.normal(size=w.shape) for w in model.get_weights()])
    model.get_layer("conv_bn").moving_variance.assign(rng.uniform(0.5, 2, 5))
    rows = rng.random((4, 64)).astype(np.float32)

    probe = keras.Model(inputs, model.get_layer("conv_relu").output)
    features = keras.ops.convert_to_numpy(probe(rows, training=False))
    kernel = model.get_layer("softmax").get_weights()[0]

    def expected(classes):
        cam = np.einsum("nhwk,nk->nhw", features, kernel[:, classes].T)
        small = np.maximum(cam, 0) / 16  # Z = 4 x 4 positions
        return tf.image.resize(small[..., None], (8, 8)).numpy()[..., 0]

    scores = logits(model, rows)
    maps, targets = saliency_maps(model, rows)  # the predicted classes
    np.testing.assert_array_equal(targets, scores.argmax(axis=1))
    np.testing.assert_allclose(maps, expected(targets), rtol=1e-4, atol=1e-6)
    # Each class has its own map.
    by_class = []
    for c in range(3):
        maps, _ = saliency_maps(model, rows, targets=[c] * 4)
        np.testing.assert_allclose(maps, expected([c] * 4), rtol=1e-4, atol=1e-6)
        by_class.append(maps)
    assert not np.allclose(by_class[0], by_class[1])
    assert not np.allclose(by_class[1], by_class[2])


@pytest.mark.parametrize("pool_first", [False, True])
def test_gradcam_weighs_the_maps_after_normalization_and_relu(data, pool_first):
    X, y, X_test, _ = data
    cnn = CNNClassifier(**SMALL_CNN, pool_first=pool_first, random_state=0)
    cnn.fit(MinMax255().transform(X[:200]), y[:200])
    assert last_convolution(cnn.model_) == "conv2_relu"
    # Pooled first, the maps are the pooled ones: 7x7 instead of 14x14.
    side = 7 if pool_first else 14
    assert cnn.model_.get_layer("conv2_relu").output.shape[1:3] == (side, side)
    maps, _ = saliency_maps(cnn.model_, MinMax255().transform(X_test[:3]))
    assert maps.shape == (3, 28, 28) and (maps >= 0).all() and maps.any()


@pytest.mark.parametrize("name", ["ann", "cnn"])
def test_gradient_map_is_the_class_scores_gradient(name, request, data):
    # The networks are piecewise linear in their input (ReLU, max pooling,
    # batch normalization in inference mode), so where a small step crosses
    # no kink (both one-sided differences agree), the difference quotient of
    # the predicted class's logit is its gradient.
    estimator = request.getfixturevalue(name)
    model, rows = model_and_input(estimator, data[2][:4])
    maps, targets = saliency_maps(model, rows, "gradient")
    assert maps.shape == (4, 28, 28)
    np.testing.assert_array_equal(targets, estimator.predict(data[2][:4]))

    # In float64: in float32 the logits' rounding (about 1e-6) swamps the
    # difference quotient of small gradients, and how much depends on the
    # number of threads (7 of 40 pixels were checkable in one CI run).
    scores = float64_logits(model)
    rows = rows.astype(np.float64)
    eps = 1e-4
    n_checked = 0
    for i in range(4):
        pixels = np.argsort(maps[i].ravel())[-10:]  # where the gradient is large
        steps = np.zeros((len(pixels), rows.shape[1]))
        steps[np.arange(len(pixels)), pixels] = eps
        at = scores(rows[i : i + 1])[0, targets[i]]
        up = (scores(rows[i] + steps)[:, targets[i]] - at) / eps
        down = (at - scores(rows[i] - steps)[:, targets[i]]) / eps
        linear = np.isclose(up, down, rtol=1e-6)
        np.testing.assert_allclose(
            maps[i].ravel()[pixels][linear], np.abs(up + down)[linear] / 2, rtol=1e-3
        )
        n_checked += linear.sum()
    assert n_checked >= 20  # of 40: max pooling has ties on flat backgrounds


def test_gradient_map_is_zero_where_the_input_cannot_matter(ann, data):
    model, rows = model_and_input(ann, data[2][:3])
    blind = keras.models.clone_model(model)
    weights = model.get_weights()
    kernel = weights[0].copy()  # dense_1: one row per pixel
    kernel.reshape(28, 28, -1)[:14] = 0  # the network ignores the top half
    blind.set_weights([kernel, *weights[1:]])

    maps, _ = saliency_maps(blind, rows, "gradient")
    assert (maps[:, :14] == 0).all()
    assert (maps[:, 14:] > 0).mean() > 0.9


# ------------------------------------------------ the randomization check
def rank_correlations(a, b) -> np.ndarray:
    """Spearman's rho between the maps a[i] and b[i]; NaN for a constant map."""
    rhos = np.full(len(a), np.nan)
    for i, (u, v) in enumerate(zip(a, b, strict=True)):
        if np.ptp(u) > 0 and np.ptp(v) > 0:
            rhos[i] = spearmanr(u.ravel(), v.ravel()).statistic
    return rhos


@pytest.mark.parametrize(
    "name, method, bound",
    [("cnn", "gradcam", 0.7), ("cnn", "gradient", 0.5), ("ann", "gradient", 0.5)],
)
def test_maps_fail_without_the_trained_weights(name, method, bound, request, data):
    # The model-randomization check of Adebayo et al. (2018): the maps of the
    # trained network and of the same architecture with its weights
    # re-initialized (clone_model draws them from the layers' initializers)
    # must differ, or the maps show the input's structure, not what the
    # network learned. Both maps explain the class the trained network
    # predicts. Measured on these 100 test images: mean |rho| 0.40 for
    # Grad-CAM (the sign varies: mean rho -0.13; 3 maps all zero), 0.17 for
    # the CNN's gradients and 0.16 for the ANN's; maps that ignore the
    # weights give 1.
    estimator = request.getfixturevalue(name)
    model, rows = model_and_input(estimator, data[2])
    randomized = keras.models.clone_model(model)
    trained_maps, targets = saliency_maps(model, rows, method)
    random_maps, _ = saliency_maps(randomized, rows, method, targets=targets)

    rhos = rank_correlations(trained_maps, random_maps)
    assert np.isnan(rhos).mean() < 0.1  # few Grad-CAM maps are all zero
    assert np.nanmean(np.abs(rhos)) < bound


# ------------------------------------------------------------ the figure
@pytest.mark.parametrize("method", ["gradcam", "gradient"])
def test_figure_shows_the_maps_over_the_images(cnn, data, method):
    X, y = data[2][:5], data[3][:5].copy()
    y[1] = (y[1] + 1) % 10  # a "mistake"
    fig = plot_saliency(
        cnn, X, y, method=method, target_names=FASHION_MNIST_CLASSES, n_cols=3
    )
    model, rows = model_and_input(cnn, X)
    maps, _ = saliency_maps(model, rows, method)
    again, _ = saliency_maps(model, rows, method)
    np.testing.assert_array_equal(again, maps)  # deterministic
    alone, _ = saliency_maps(model, rows[3:4], method)
    np.testing.assert_allclose(alone[0], maps[3], rtol=1e-5, atol=1e-7)

    y_pred = cnn.predict(X)
    assert len(fig.axes) == 5
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (2, 3)
    for i, ax in enumerate(fig.axes):
        image, heat = ax.get_images()
        np.testing.assert_allclose(image.get_array(), X[i].reshape(28, 28) / 255)
        np.testing.assert_array_equal(heat.get_array(), maps[i])
        assert heat.get_alpha() == 0.5 and heat.get_cmap().name == "jet"
        assert heat.norm.vmin == 0
        names = FASHION_MNIST_CLASSES
        assert ax.get_title() == f"true: {names[y[i]]}\npred: {names[y_pred[i]]}"
        assert (ax.title.get_color() == "tab:red") == (y[i] != y_pred[i])
    assert 0 < np.sum(y != y_pred) < 5  # both kinds of titles were checked


def test_one_image_any_shape_and_the_ann(cnn, ann, data):
    X = data[2]
    fig = plot_saliency(cnn, X[7].reshape(28, 28))
    (ax,) = fig.axes
    assert ax.get_title() == f"pred: {cnn.predict(X[7:8])[0]}"
    assert ax.get_images()[1].get_array().shape == (28, 28)

    fig = plt.figure()
    out = plot_saliency(ann, X[:2], method="gradient", cmap="inferno", fig=fig)
    assert out is fig and len(fig.axes) == 2
    model, rows = model_and_input(ann, X[:2])
    maps, _ = saliency_maps(model, rows, "gradient")
    np.testing.assert_array_equal(fig.axes[1].get_images()[1].get_array(), maps[1])
    assert fig.axes[1].get_images()[1].get_cmap().name == "inferno"


def test_errors(cnn, ann, data):
    X, y = data[2], data[3]
    with pytest.raises(ValueError, match="'ann' has no convolution.*=\"gradient\""):
        plot_saliency(ann, X[:2])
    with pytest.raises(
        ValueError, match="'method' parameter of plot_saliency .* Got 'occlusion'"
    ):
        plot_saliency(cnn, X[:2], method="occlusion")
    with pytest.raises(ValueError, match="image of 784 pixels.*shape \\(2, 27\\)"):
        plot_saliency(cnn, X[:2, :27])
    with pytest.raises(ValueError, match="y has 3 labels for 2 images"):
        plot_saliency(cnn, X[:2], y[:3])
    with pytest.raises(ValueError, match="0 sample"):
        plot_saliency(cnn, X[:0])
    with pytest.raises(NotFittedError):
        plot_saliency(make_pipeline(MinMax255(), CNNClassifier()), X[:2])
    model, rows = model_and_input(cnn, X[:2])
    with pytest.raises(ValueError, match="Unknown saliency method 'occlusion'"):
        saliency_maps(model, rows, "occlusion")
    with pytest.raises(ValueError, match="one output index in \\[0, 10\\)"):
        saliency_maps(model, rows, targets=[0, 10])
