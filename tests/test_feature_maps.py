"""FeatureMapLogger: the images it writes, read back from the event files."""

from __future__ import annotations

import copy
import pickle

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from tensorboard.backend.event_processing import event_accumulator

from skfashion import CNNClassifier, MinMax255, _inspect, fetch_fashion_mnist
from skfashion.callbacks import FeatureMapLogger
from skfashion.callbacks.feature_maps import _tile_feature_maps

TINY_CNN = dict(
    filters=(4, 8), dense_units=(16,), epochs=1, batch_size=32, random_state=0
)


@pytest.fixture(scope="module")
def data(fashion_home):
    X, y = fetch_fashion_mnist(data_home=fashion_home, subset="test", return_X_y=True)
    return X[:160], y[:160]


def read_images(run_dir) -> dict[str, dict[int, np.ndarray]]:
    """Tag -> step -> decoded PNG, from every event file of ``run_dir``."""
    images = {}
    files = sorted(run_dir.glob("events.out.tfevents.*"))
    assert files, f"no event file in {run_dir}"
    for path in files:
        events = event_accumulator.EventAccumulator(
            str(path), size_guidance={event_accumulator.TENSORS: 0}
        )
        events.Reload()
        for tag in events.Tags()["tensors"]:
            assert events.SummaryMetadata(tag).plugin_data.plugin_name == "images"
            for event in events.Tensors(tag):
                # An image summary is [width, height, png, ...].
                width, height, png = tf.make_ndarray(event.tensor_proto)[:3]
                image = tf.io.decode_png(png).numpy()
                assert image.shape == (int(height), int(width), 1)
                assert event.step not in images.setdefault(tag, {})
                images[tag][event.step] = image
    return images


def run_dirs(log_dir):
    return sorted(path for path in log_dir.iterdir() if path.is_dir())


def test_feature_maps_of_a_pipeline_fit(data, tmp_path):
    X, y = data
    logger = FeatureMapLogger(tmp_path, n_images=2)
    cnn = CNNClassifier(**{**TINY_CNN, "epochs": 2}, callbacks=[logger])
    pipeline = make_pipeline(MinMax255(), cnn).fit(X, y)

    (run,) = run_dirs(tmp_path)
    assert run.name.startswith("CNNClassifier-")
    images = read_images(run)
    layers = {"conv1": 4, "pool1": 4, "conv2": 8, "pool2": 8}
    assert sorted(images) == sorted(
        [f"probe_images/image_{i}" for i in range(2)]
        + [f"feature_maps/{layer}/image_{i}" for layer in layers for i in range(2)]
    )
    # The probe images once, as the network sees them (after MinMax255);
    # the feature maps at the start and after each of the 2 epochs.
    for i in range(2):
        (probe,) = images[f"probe_images/image_{i}"].values()
        expected = X[i].reshape(28, 28).astype(float)
        expected = (expected - expected.min()) / np.ptp(expected)
        np.testing.assert_allclose(probe[..., 0] / 255, expected, atol=1 / 255)
    assert all(
        sorted(images[f"feature_maps/{layer}/image_0"]) == [0, 1, 2] for layer in layers
    )

    # Tiled into near-square grids with 1-pixel lines: 4 maps of 28 pixels
    # make 2 x 2 (57 pixels), 8 maps of 7 pixels 3 x 3 (23 pixels).
    assert images["feature_maps/conv1/image_0"][2].shape == (57, 57, 1)
    assert images["feature_maps/pool1/image_1"][2].shape == (29, 29, 1)
    assert images["feature_maps/conv2/image_0"][2].shape == (44, 44, 1)
    assert images["feature_maps/pool2/image_1"][2].shape == (23, 23, 1)

    # After the last epoch: the trained network's feature maps, each map
    # scaled to [0, 1] on its own.
    conv2 = keras.Model(cnn.model_.input, cnn.model_.get_layer("conv2").output)
    maps = keras.ops.convert_to_numpy(conv2(X[1:2] / 255, training=False))[0]
    logged = images["feature_maps/conv2/image_1"][2][..., 0] / 255
    for channel in (0, 7):
        row, col = divmod(channel, 3)
        tile = logged[row * 15 : row * 15 + 14, col * 15 : col * 15 + 14]
        m = maps[..., channel]
        np.testing.assert_allclose(tile, (m - m.min()) / np.ptp(m), atol=1.5 / 255)
    assert (logged[14, :] == 1).all()  # the white line between rows of maps

    # The parameter is untouched: the fit used a copy.
    assert pipeline[-1].callbacks[0] is logger
    assert not {"_writer", "_fit_X", "_estimator"} & set(vars(logger))


def test_probe_layers_every_n_epochs_and_max_maps(data, tmp_path):
    X, y = data
    probe = X[:1].reshape(1, 28, 28) / 255
    logger = FeatureMapLogger(
        tmp_path, layers="conv1_relu", every_n_epochs=2, max_maps=3, probe=probe
    )
    CNNClassifier(**{**TINY_CNN, "epochs": 2}, callbacks=[logger]).fit(X / 255, y)
    images = read_images(run_dirs(tmp_path)[0])
    assert sorted(images) == ["feature_maps/conv1_relu/image_0", "probe_images/image_0"]
    assert sorted(images["feature_maps/conv1_relu/image_0"]) == [0, 2]
    # 3 maps tile 2 x 2, the empty cell white.
    tiled = images["feature_maps/conv1_relu/image_0"][2]
    assert tiled.shape == (57, 57, 1)
    assert (tiled[29:, 29:] == 255).all()


def test_strongest_maps_are_logged_strongest_first(data, tmp_path):
    X, y = data
    probe = X[:2] / 255
    logger = FeatureMapLogger(
        tmp_path, layers="conv2", max_maps=4, order="strongest", probe=probe
    )
    cnn = CNNClassifier(**TINY_CNN, callbacks=[logger]).fit(X / 255, y)
    images = read_images(run_dirs(tmp_path)[0])

    # After the only epoch, the trained network's maps: computed here
    # without skfashion, ranked by their mean over the map's pixels.
    conv2 = keras.Model(cnn.model_.input, cnn.model_.get_layer("conv2").output)
    outputs = keras.ops.convert_to_numpy(conv2(probe, training=False))
    for i, maps in enumerate(outputs):
        means = maps.mean(axis=(0, 1))
        strongest = np.argsort(means)[::-1][:4]
        assert means[strongest[0]] > means[strongest[-1]]
        # 4 maps of 14 pixels tile 2 x 2, strongest first, row by row.
        logged = images[f"feature_maps/conv2/image_{i}"][1][..., 0] / 255
        assert logged.shape == (29, 29)
        for k, channel in enumerate(strongest):
            row, col = divmod(k, 2)
            tile = logged[row * 15 : row * 15 + 14, col * 15 : col * 15 + 14]
            m = maps[..., channel]
            np.testing.assert_allclose(tile, (m - m.min()) / np.ptp(m), atol=1.5 / 255)


def test_each_fit_of_a_grid_search_writes_its_own_run(data, tmp_path):
    X, y = data
    logger = FeatureMapLogger(tmp_path, n_images=1, layers=["pool1"])
    cnn = CNNClassifier(**{**TINY_CNN, "filters": (2,)}, callbacks=[logger])
    GridSearchCV(cnn, {"kernel_size": [3]}, cv=2, refit=False).fit(X / 255, y)
    runs = run_dirs(tmp_path)
    assert len(runs) == 2  # one per fold
    for run in runs:
        assert sorted(read_images(run)) == [
            "feature_maps/pool1/image_0",
            "probe_images/image_0",
        ]
    assert not {"_writer", "_fit_X", "_estimator"} & set(vars(logger))


def test_logger_clones_pickles_and_copies(data, tmp_path):
    X, _ = data
    logger = FeatureMapLogger(tmp_path, probe=X[:1] / 255, max_maps=None)
    cnn = CNNClassifier(callbacks=[logger])
    cloned = clone(cnn).callbacks[0]
    assert isinstance(cloned, FeatureMapLogger) and cloned is not logger
    assert cloned.max_maps is None
    np.testing.assert_array_equal(cloned.probe, logger.probe)

    # Even mid-training, copies and pickles hold only the parameters.
    model = _small_keras_model()
    logger.set_model(model)
    logger.on_train_begin()
    assert logger._writer is not None
    for copied in (copy.deepcopy(logger), pickle.loads(pickle.dumps(logger))):
        assert not {"_writer", "_probe_rows", "_summary"} & set(vars(copied))
        assert copied.model is None
        assert copied.log_dir == tmp_path
    logger.on_train_end()
    assert "_writer" not in vars(logger)


def _small_keras_model():
    inputs = keras.Input((784,))
    x = keras.layers.Reshape((28, 28, 1))(inputs)
    x = keras.layers.Conv2D(2, 3, name="c")(x)
    x = keras.layers.AveragePooling2D(2, name="p")(x)
    x = keras.layers.Flatten()(x)
    model = keras.Model(inputs, keras.layers.Dense(10, "softmax")(x), name="small")
    model.compile("sgd", "sparse_categorical_crossentropy")
    return model


def test_plain_keras_fit_writes_into_log_dir(data, tmp_path):
    X, y = data
    model = _small_keras_model()
    logger = FeatureMapLogger(tmp_path, probe=X[:2] / 255)
    model.fit(X[:64] / 255, y[:64], epochs=1, verbose=0, callbacks=[logger])
    images = read_images(tmp_path)
    assert sorted(images) == [
        "feature_maps/c/image_0",
        "feature_maps/c/image_1",
        "feature_maps/p/image_0",
        "feature_maps/p/image_1",
        "probe_images/image_0",
        "probe_images/image_1",
    ]
    # Conv2D "valid": 26 x 26 maps, 2 of them side by side.
    assert images["feature_maps/c/image_0"][1].shape == (26, 53, 1)
    # The logged maps are what _inspect computes (one code path for both).
    acts = _inspect.activations(model, X[:2] / 255, ["p"])["p"]
    np.testing.assert_allclose(
        images["feature_maps/p/image_1"][1][..., 0] / 255,
        _tile_feature_maps(acts[1])[..., 0],
        atol=1 / 255,
    )

    with pytest.raises(ValueError, match="no images to log: pass probe="):
        model.fit(X[:8] / 255, y[:8], verbose=0, callbacks=[FeatureMapLogger(tmp_path)])


def test_errors_come_before_training(data, tmp_path):
    X, y = data
    bad_layer = FeatureMapLogger(tmp_path, layers=["conv1", "conv9"])
    cnn = CNNClassifier(**{**TINY_CNN, "filters": (2,)}, callbacks=[bad_layer])
    with pytest.raises(ValueError, match="has no layer 'conv9'.*'conv1'"):
        cnn.fit(X[:32] / 255, y[:32])
    assert not hasattr(cnn, "model_")
    with pytest.raises(ValueError, match=r"'every_n_epochs' .* \[1, inf\)\. Got 0"):
        cnn.set_params(callbacks=[FeatureMapLogger(tmp_path, every_n_epochs=0)])
        cnn.fit(X[:32] / 255, y[:32])
    with pytest.raises(ValueError, match="image of 784 pixels"):
        cnn.set_params(callbacks=[FeatureMapLogger(tmp_path, probe=np.zeros(10))])
        cnn.fit(X[:32] / 255, y[:32])
    with pytest.raises(
        ValueError,
        match=r"'order' parameter of FeatureMapLogger must be a str among "
        r"\{'index', 'strongest'\}\. Got 'max' instead",
    ):
        cnn.set_params(callbacks=[FeatureMapLogger(tmp_path, order="max")])
        cnn.fit(X[:32] / 255, y[:32])
    assert list(tmp_path.iterdir()) == []  # no empty run folders
