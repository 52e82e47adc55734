"""Images of any size and shape: small, non-square, several channels, many classes."""

import keras
import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from skfashion import CNNClassifier, MinMax255, fetch_fashion_mnist

FAST = {"epochs": 2, "batch_size": 32, "random_state": 0}


@pytest.fixture(scope="module")
def fashion(fashion_home):
    X, y = fetch_fashion_mnist(data_home=fashion_home, return_X_y=True)
    return MinMax255().transform(X[:400]).reshape(-1, 28, 28), y[:400]


def _map_shapes(model) -> dict[str, tuple]:
    return {
        layer.name: tuple(layer.output.shape[1:])
        for layer in model.layers
        if isinstance(layer, keras.layers.MaxPooling2D)
    }


def test_8x8_digits_train_to_a_good_score():
    # scikit-learn's digits: 1,797 real 8x8 images with pixels 0-16.
    digits = load_digits()
    X = digits.images / 16.0
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=0.25, stratify=digits.target, random_state=0
    )
    est = CNNClassifier(epochs=15, batch_size=32, random_state=0).fit(X_train, y_train)
    assert est.image_shape_ == (8, 8, 1)
    assert _map_shapes(est.model_) == {"pool1": (4, 4, 16), "pool2": (2, 2, 64)}
    assert est.score(X_test, y_test) > 0.9


def test_non_square_images(fashion):
    X, y = fashion
    crops = X[:, 8:20, 4:24]  # 12x20 pixels
    est = CNNClassifier(**FAST).fit(crops, y)
    assert est.image_shape_ == (12, 20, 1)
    assert _map_shapes(est.model_) == {"pool1": (6, 10, 16), "pool2": (3, 5, 64)}
    assert est.predict(crops[:5]).shape == (5,)
    # The same pixels as flat rows, with image_shape saying how to fold them.
    flat = CNNClassifier(image_shape=(12, 20), **FAST).fit(crops.reshape(400, -1), y)
    assert flat.image_shape_ == (12, 20, 1)


def test_several_channels_and_forty_classes(fashion):
    X, y = fashion
    # 40 classes: each garment class in four orientations.
    turns = np.arange(len(y)) % 4
    images = np.stack([np.rot90(image, k) for image, k in zip(X, turns, strict=True)])
    labels = y * 4 + turns
    rgb = np.stack([images, images[:, ::-1], 1 - images], axis=-1)  # 3 channels
    est = CNNClassifier(**FAST).fit(rgb, labels)
    assert est.image_shape_ == (28, 28, 3) and est.n_classes_ == 40
    assert est.model_.get_layer("conv1").kernel.shape == (3, 3, 3, 16)
    assert est.predict_proba(rgb[:3]).shape == (3, 40)


@pytest.mark.parametrize(
    "shape, pooled",
    [
        # A row of pixels (a number of features that is no square): pooled
        # along its length only.
        ((30,), {"pool1": (1, 15, 16), "pool2": (1, 8, 64)}),
        # Maps of 1 pixel are never pooled to nothing.
        ((3, 3), {"pool1": (2, 2, 4), "pool2": (1, 1, 4), "pool3": (1, 1, 4)}),
        ((1, 1), {"pool1": (1, 1, 4)}),
    ],
)
def test_pooling_never_shrinks_a_map_to_nothing(shape, pooled):
    rng = np.random.RandomState(0)
    X = rng.rand(40, *shape).astype(np.float32)
    y = np.arange(40) % 2
    filters = {2: (16, 64), 3: (4, 4, 4), 1: (4,)}[len(pooled)]
    est = CNNClassifier(filters=filters, **FAST).fit(X, y)
    assert _map_shapes(est.model_) == pooled
    assert np.isfinite(est.predict_proba(X)).all()


def test_augmentation_shifts_follow_the_image_size():
    X = np.random.RandomState(0).rand(40, 8, 8).astype(np.float32)
    y = np.arange(40) % 2
    est = CNNClassifier(augmentation=True, **FAST).fit(X, y)
    shift = est.model_.get_layer("random_shift")
    # 1/14 of a side, rounded: 1 pixel of 8 (2 of 28).
    assert shift.height_factor == shift.width_factor == 1 / 8


def test_an_image_shape_that_does_not_hold_the_features_is_refused():
    X = np.zeros((10, 30), dtype=np.float32)
    with pytest.raises(ValueError, match=r"image_shape=\(5, 5\) does not hold the 30"):
        CNNClassifier(image_shape=(5, 5), **FAST).fit(X, np.arange(10) % 2)
