"""skfashion.plotting: the figures' axes, titles and image contents."""

from __future__ import annotations

import subprocess
import sys

import keras
import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import make_pipeline

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion._param_validation import InvalidParameterError
from skfashion.datasets import FASHION_MNIST_CLASSES
from skfashion.plotting import plot_feature_maps, plot_images, plot_training_history

plt = pytest.importorskip("matplotlib.pyplot")

TINY_CNN = dict(
    filters=(4, 8), dense_units=(16,), epochs=1, batch_size=32, random_state=0
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data(fashion_home):
    X, y = fetch_fashion_mnist(data_home=fashion_home, subset="test", return_X_y=True)
    return X[:200], y[:200]


@pytest.fixture(scope="module")
def pipeline(data):
    """A CNN behind MinMax255, so it takes raw 0..255 rows."""
    X, y = data
    cnn = CNNClassifier(**{**TINY_CNN, "epochs": 2}, validation_split=0.25)
    return make_pipeline(MinMax255(), cnn).fit(X, y)


@pytest.fixture(scope="module")
def image_cnn(data):
    """A bare CNN with two convolutions per block, fitted on (n, 28, 28) images."""
    X, y = data
    cnn = CNNClassifier(**{**TINY_CNN, "filters": (2,)}, convs_per_block=2)
    return cnn.fit((X[:100] / 255).reshape(-1, 28, 28), y[:100])


def conv_output(model, layer, image):
    """A layer's output for one [0, 1] image, computed without skfashion."""
    probe = keras.Model(model.input, model.get_layer(layer).output)
    row = np.asarray(image, dtype=np.float32).reshape(1, -1)
    return keras.ops.convert_to_numpy(probe(row, training=False))[0]


def titles(fig):
    return [ax.get_title() for ax in fig.axes]


def test_plotting_imports_without_matplotlib():
    # Keras itself imports matplotlib.pyplot when it is installed, so the
    # check is that skfashion.plotting imports with matplotlib unavailable.
    code = (
        "import sys; sys.modules['matplotlib'] = None; "
        "import skfashion.plotting; print(skfashion.plotting.plot_images.__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "plot_images"


# ------------------------------------------------------------ feature maps
def test_feature_maps_of_a_pipeline_show_the_activations(pipeline, data):
    X, _ = data
    fig = plot_feature_maps(pipeline, X[0], order="index")  # a raw 0..255 row
    model = pipeline[-1].model_

    # The input as the network sees it, then each channel of each conv and
    # pooling layer: 4 + 4 channels in block 1, 8 + 8 in block 2.
    assert len(fig.axes) == 1 + 4 + 4 + 8 + 8
    assert fig.axes[0].get_title() == "input"
    np.testing.assert_allclose(
        fig.axes[0].images[0].get_array(), X[0].reshape(28, 28) / 255, rtol=1e-6
    )
    expected = ["input"]
    for layer, n in (("conv1", 4), ("pool1", 4), ("conv2", 8), ("pool2", 8)):
        expected += [f"{layer} #{c}" for c in range(n)]
    assert titles(fig) == expected

    conv1 = conv_output(model, "conv1", X[0] / 255)
    pool2 = conv_output(model, "pool2", X[0] / 255)
    assert conv1.shape == (28, 28, 4)
    for c in range(4):
        np.testing.assert_allclose(
            fig.axes[1 + c].images[0].get_array(), conv1[..., c], atol=1e-5
        )
    np.testing.assert_allclose(
        fig.axes[-1].images[0].get_array(), pool2[..., 7], atol=1e-5
    )
    assert fig.axes[1].images[0].get_cmap().name == "gray"


def test_feature_maps_take_any_image_shape_layers_and_max_maps(pipeline, data):
    X, _ = data
    fig = plt.figure()
    out = plot_feature_maps(
        pipeline,
        X[3].reshape(28, 28, 1),
        layers=["conv2", "conv1_relu"],
        order="index",
        max_maps=3,
        fig=fig,
    )
    assert out is fig
    assert titles(fig) == [
        "input",
        *(f"conv2 #{c}" for c in range(3)),
        *(f"conv1_relu #{c}" for c in range(3)),
    ]
    relu = conv_output(pipeline[-1].model_, "conv1_relu", X[3] / 255)
    np.testing.assert_allclose(
        fig.axes[-1].images[0].get_array(), relu[..., 2], atol=1e-5
    )
    assert (relu >= 0).all()

    # A single layer name, and (28, 28) images, work too.
    fig = plot_feature_maps(
        pipeline, X[3].reshape(28, 28), layers="pool1", order="index", max_maps=None
    )
    assert titles(fig) == ["input", *(f"pool1 #{c}" for c in range(4))]


def test_feature_maps_with_several_convolutions_per_block(image_cnn, data):
    X, _ = data
    image = X[0].reshape(28, 28) / 255
    fig = plot_feature_maps(image_cnn, image, order="index")
    assert titles(fig) == [
        "input",
        "conv1_1 #0",
        "conv1_1 #1",
        "conv1_2 #0",
        "conv1_2 #1",
        "pool1 #0",
        "pool1 #1",
    ]
    conv = conv_output(image_cnn.model_, "conv1_2", image)
    np.testing.assert_allclose(
        fig.axes[4].images[0].get_array(), conv[..., 1], atol=1e-5
    )


def block_title(block):
    """The title of one image's block: its SubFigure's suptitle, its only Text."""
    (title,) = block.texts
    return title


def test_strongest_feature_maps_of_several_images(pipeline, data):
    X, _ = data
    model = pipeline[-1].model_
    fig = plot_feature_maps(pipeline, X[:3], order="strongest", max_maps=3)

    # One block per image, left to right, each as for one image: the input,
    # then 3 channels of each of the 4 layers.
    assert len(fig.subfigs) == 3
    fig.canvas.draw()
    lefts = [block.bbox.x0 for block in fig.subfigs]
    assert lefts == sorted(lefts) and len(set(lefts)) == 3
    assert len(fig.axes) == 3 * (1 + 4 * 3)

    any_reordered = False
    for i, block in enumerate(fig.subfigs):
        axes = block.axes
        assert axes[0].get_title() == "input"
        np.testing.assert_allclose(
            axes[0].get_images()[0].get_array(), X[i].reshape(28, 28) / 255, rtol=1e-6
        )
        panels = iter(axes[1:])
        for layer in ("conv1", "pool1", "conv2", "pool2"):
            # The strongest channels, computed here without skfashion: the
            # largest means over the map's pixels, largest first.
            output = conv_output(model, layer, X[i] / 255)
            means = output.mean(axis=(0, 1))
            strongest = np.argsort(means)[::-1][:3]
            assert means[strongest[0]] > means[strongest[1]] > means[strongest[2]]
            any_reordered |= list(strongest) != [0, 1, 2]
            for channel in strongest:
                ax = next(panels)
                assert ax.get_title() == f"{layer} #{channel}"
                np.testing.assert_allclose(
                    ax.get_images()[0].get_array(), output[..., channel], atol=1e-5
                )
        assert next(panels, None) is None
    # Else the test could not tell "strongest" from "index".
    assert any_reordered


def test_feature_map_blocks_are_titled_by_true_and_predicted_class(pipeline, data):
    X, y = data
    y_pred = pipeline.predict(X[:3])
    fig = plot_feature_maps(pipeline, X[:3], layers="conv1", max_maps=1)
    assert [block_title(b).get_text() for b in fig.subfigs] == [
        f"pred: {label}" for label in y_pred
    ]

    # A wrong label for image 1: its block's title turns red.
    y_true = y_pred.copy()
    y_true[1] = (y_pred[1] + 1) % 10
    names = FASHION_MNIST_CLASSES
    fig = plot_feature_maps(
        pipeline, X[:3], y_true, layers="conv1", max_maps=1, target_names=names
    )
    for i, block in enumerate(fig.subfigs):
        title = block_title(block)
        assert title.get_text() == (
            f"true: {names[y_true[i]]}\npred: {names[y_pred[i]]}"
        )
        assert (title.get_color() == "tab:red") is (i == 1)
        assert titles(block)[0] == "input"

    # One image, with a scalar label, is one block.
    fig = plot_feature_maps(pipeline, X[5], y[5], layers="conv1", max_maps=1)
    assert len(fig.subfigs) == 1
    assert block_title(fig.subfigs[0]).get_text().startswith(f"true: {y[5]}\n")


def test_feature_maps_errors(pipeline, data):
    X, y = data
    with pytest.raises(NotFittedError):
        plot_feature_maps(CNNClassifier(), X[0])
    with pytest.raises(NotFittedError):
        plot_feature_maps(make_pipeline(MinMax255(), CNNClassifier()), X[0])
    with pytest.raises(ValueError, match="has no layer 'conv9'.*'conv1'"):
        plot_feature_maps(pipeline, X[0], layers=["conv1", "conv9"])
    with pytest.raises(ValueError, match="'dense_1'.*no feature maps.*'conv1'"):
        plot_feature_maps(pipeline, X[0], layers="dense_1")
    with pytest.raises(
        InvalidParameterError,
        match=r"'order' parameter of plot_feature_maps must be a str among "
        r"\{'index', 'strongest'\}\. Got 'largest' instead\.",
    ):
        plot_feature_maps(pipeline, X[0], order="largest")
    with pytest.raises(
        InvalidParameterError, match=r"'max_maps' .* \[1, inf\) or None"
    ):
        plot_feature_maps(pipeline, X[0], max_maps=0)
    with pytest.raises(InvalidParameterError, match=r"'n_cols' .* \[1, inf\)\. Got 0"):
        plot_feature_maps(pipeline, X[0], n_cols=0)
    with pytest.raises(InvalidParameterError, match="'layers' parameter"):
        plot_feature_maps(pipeline, X[0], layers=[])
    with pytest.raises(ValueError, match="y has 2 labels for 3 images"):
        plot_feature_maps(pipeline, X[:3], y[:2])
    with pytest.raises(ValueError, match="image of 784 pixels.*shape \\(27,\\)"):
        plot_feature_maps(pipeline, X[0, :27])
    with pytest.raises(TypeError, match="skfashion classifier"):
        plot_feature_maps(MinMax255().fit(X), X[0])

    ann = ANNClassifier(hidden_layer_sizes=(8,), epochs=1, random_state=0)
    ann.fit(X[:50] / 255, y[:50])
    with pytest.raises(
        ValueError, match="'ann' has no convolution layers.*CNNClassifier"
    ):
        plot_feature_maps(ann, X[0] / 255)


# -------------------------------------------------------- training history
def test_training_history_curves(pipeline):
    history = pipeline[-1].history_
    fig = plot_training_history(pipeline)
    assert titles(fig) == ["Accuracy", "Loss"]
    for ax, metric in zip(fig.axes, ("accuracy", "loss"), strict=True):
        train, validation = ax.get_lines()
        assert (train.get_label(), validation.get_label()) == ("train", "validation")
        np.testing.assert_array_equal(train.get_xdata(), [1, 2])
        np.testing.assert_allclose(train.get_ydata(), history[metric])
        np.testing.assert_allclose(validation.get_ydata(), history[f"val_{metric}"])
        assert ax.get_xlabel() == "epoch"


def test_training_history_without_validation(image_cnn):
    fig = plot_training_history(image_cnn)
    assert [len(ax.get_lines()) for ax in fig.axes] == [1, 1]
    assert fig.axes[1].get_lines()[0].get_label() == "train"
    with pytest.raises(NotFittedError):
        plot_training_history(make_pipeline(MinMax255(), ANNClassifier()))


# ------------------------------------------------------------------ images
def test_images_with_true_and_predicted_names(data):
    X, y = data
    names = FASHION_MNIST_CLASSES
    y_pred = y[:10].copy()
    y_pred[[2, 5]] = (y_pred[[2, 5]] + 1) % 10
    fig = plot_images(X[:10], y[:10], y_pred, target_names=names, n_cols=4)

    assert len(fig.axes) == 10
    assert fig.axes[0].get_subplotspec().get_gridspec().get_geometry() == (3, 4)
    for i, ax in enumerate(fig.axes):
        np.testing.assert_array_equal(ax.images[0].get_array(), X[i].reshape(28, 28))
        title = ax.title
        assert title.get_text() == f"true: {names[y[i]]}\npred: {names[y_pred[i]]}"
        wrong = i in (2, 5)
        assert (title.get_color() == "tab:red") is wrong
        assert (ax.spines["left"].get_edgecolor()[:3] == (0.0, 0.0, 0.0)) is not wrong


def test_images_default_to_label_values_and_limits(data):
    X, y = data
    fig = plot_images(X.reshape(-1, 28, 28), y, max_images=5)
    assert titles(fig) == [str(label) for label in y[:5]]

    labels = np.array(["a", "b", "a"])
    fig = plot_images(X[:3], labels, target_names={"a": "Alpha", "b": "Beta"})
    assert titles(fig) == ["Alpha", "Beta", "Alpha"]

    fig = plot_images(X[:2, :780], image_shape=(30, 26))
    assert titles(fig) == ["", ""]
    assert fig.axes[0].images[0].get_array().shape == (30, 26)

    with pytest.raises(ValueError, match="y_pred needs the true labels"):
        plot_images(X[:2], y_pred=y[:2])
    with pytest.raises(ValueError, match="pass image_shape"):
        plot_images(X[:2, :780])
    with pytest.raises(ValueError, match="y has 2 labels for 3 images"):
        plot_images(X[:3], y[:2])
