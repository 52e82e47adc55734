"""TensorBoard and EmbeddingProjector: the logs read back with TensorBoard's code."""

import copy
import json
import pickle
from pathlib import Path
from types import SimpleNamespace
from typing import NamedTuple

import keras
import numpy as np
import pytest
from conftest import tensorboard_context
from google.protobuf import text_format
from matplotlib.image import imread
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV
from sklearn.utils.validation import check_is_fitted
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.projector import ProjectorConfig
from tensorboard.util import tensor_util

from skfashion import ANNClassifier, CNNClassifier, fetch_fashion_mnist
from skfashion.callbacks import EmbeddingProjector, TensorBoard
from skfashion.callbacks import projector as projector_module
from skfashion.callbacks._run import run_name
from skfashion.callbacks.projector import _stratified_sample

TINY_ANN = {"hidden_layer_sizes": (8,), "epochs": 1, "batch_size": 32}
QUIET = {"histogram_freq": 0, "write_graph": False}


@pytest.fixture(scope="module")
def fashion(fashion_home):
    """240 real images scaled to [0, 1], their labels and the class names."""
    data = fetch_fashion_mnist(data_home=fashion_home, download_if_missing=False)
    X = (data.data[:240] / 255).astype(np.float32)
    return SimpleNamespace(X=X, y=data.target[:240], names=data.target_names)


@pytest.fixture(scope="module")
def cnn_run(fashion, tmp_path_factory):
    """One CNN fit with both callbacks: 2 epochs, 6 batches each."""
    log_dir = tmp_path_factory.mktemp("runs")
    estimator = CNNClassifier(
        filters=(4, 8),
        dense_units=(16,),
        batch_normalization=True,  # histograms of its statistics too
        epochs=2,
        batch_size=32,
        validation_split=0.25,  # 180 training rows: 6 batches of 32
        random_state=0,
        callbacks=[
            TensorBoard(log_dir, update_freq=2),
            EmbeddingProjector(log_dir, n_probe=40, target_names=fashion.names),
        ],
    )
    estimator.fit(fashion.X, fashion.y)
    (run,) = log_dir.iterdir()
    return SimpleNamespace(estimator=estimator, log_dir=log_dir, run=run)


class Events(NamedTuple):
    plugin: str  # which TensorBoard dashboard shows them
    steps: list
    values: list


def read_events(run_dir: Path) -> dict[str, Events]:
    """Tag -> its events, in the event files of ``run_dir``."""
    reader = event_accumulator.EventAccumulator(
        str(run_dir), size_guidance={event_accumulator.TENSORS: 0}
    ).Reload()
    # tf.summary (TF 2) writes every summary as a tensor; the plugin name
    # tells scalars from histograms. The reader takes a folder's event files
    # in the order of their names, whose last number (a counter of writers in
    # the process) sorts as text: "10" before "9". A continued fit writes a
    # second file, so the events are put back in the order they were written.
    events = {
        tag: sorted(reader.Tensors(tag), key=lambda event: event.wall_time)
        for tag in reader.Tags()["tensors"]
    }
    return {
        tag: Events(
            reader.SummaryMetadata(tag).plugin_data.plugin_name,
            [event.step for event in tagged],
            [tensor_util.make_ndarray(event.tensor_proto) for event in tagged],
        )
        for tag, tagged in events.items()
    }


def read_projector(projector_dir: Path) -> ProjectorConfig:
    config = ProjectorConfig()
    text = (projector_dir / "projector_config.pbtxt").read_text()
    return text_format.Parse(text, config)


def read_metadata(projector_dir: Path, embedding) -> list[list[str]]:
    text = (projector_dir / embedding.metadata_path).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines()]


# ------------------------------------------------------------------ TensorBoard
def test_run_folder_names_the_estimator_and_its_parameters(cnn_run):
    name = cnn_run.run.name
    assert name.startswith(
        "CNNClassifier-batch_normalization=True,batch_size=32,dense_units=16,epochs=2,"
    )
    assert "filters=4x8" in name and "validation_split=0.25" in name
    assert sorted(p.name for p in cnn_run.run.iterdir() if p.is_dir()) == [
        "projector",
        "train",
        "validation",
    ]
    # In the run folder itself: the HParams session (tests/test_hparams.py).
    assert set(read_events(cnn_run.run)) == {
        "_hparams_/session_start_info",
        "_hparams_/session_end_info",
    }


def test_tensorboard_scalars_per_epoch_and_batch(cnn_run):
    train = read_events(cnn_run.run / "train")
    validation = read_events(cnn_run.run / "validation")
    history = cnn_run.estimator.history_

    for tag in ("epoch_loss", "epoch_accuracy", "epoch_learning_rate"):
        assert (train[tag].plugin, train[tag].steps) == ("scalars", [1, 2])
    assert_allclose(train["epoch_loss"].values, history["loss"], rtol=1e-5)
    # The learning rate after 6 and 12 steps, as the cosine schedule has it.
    config = cnn_run.estimator.model_.optimizer.get_config()["learning_rate"]
    schedule = keras.optimizers.schedules.deserialize(config)
    expected = [float(schedule(6)), float(schedule(12))]
    assert expected[0] > expected[1]
    assert_allclose(train["epoch_learning_rate"].values, expected, rtol=1e-6)
    for tag in ("epoch_loss", "epoch_accuracy"):
        assert (validation[tag].plugin, validation[tag].steps) == ("scalars", [1, 2])
    assert_allclose(validation["epoch_loss"].values, history["val_loss"], rtol=1e-5)
    # update_freq=2: every second of the 12 batches.
    for tag in ("batch_loss", "batch_accuracy"):
        assert train[tag].steps == [2, 4, 6, 8, 10, 12]


def test_tensorboard_one_histogram_per_weight(cnn_run):
    weights = cnn_run.estimator.model_.weights
    # The short names repeat ("kernel", "gamma"...): they cannot be the tags.
    assert len({w.name for w in weights}) < len(weights)
    histograms = {
        tag: steps
        for tag, (plugin, steps, _) in read_events(cnn_run.run / "train").items()
        if plugin == "histograms"
    }
    assert sorted(histograms) == sorted(w.path for w in weights)
    assert len(histograms) == len(weights) == 14
    assert "conv1/kernel" in histograms and "conv2_bn/moving_mean" in histograms
    # The initial weights at step 0, then after each epoch.
    assert all(steps == [0, 1, 2] for steps in histograms.values())


def test_tensorboard_graph_and_parameters(cnn_run):
    from tensorboard.plugins.graph import keras_util

    train = read_events(cnn_run.run / "train")
    plugin, steps, values = train["keras"]
    assert (plugin, steps) == ("graph_keras_model", [0])
    graph = keras_util.keras_model_to_graph_def(json.loads(values[0].item()))
    assert {"cnn/conv1", "cnn/conv2", "cnn/softmax"} <= {n.name for n in graph.node}
    text = train["estimator"].values[0].item().decode()
    assert "CNNClassifier(" in text and "filters=(4, 8)" in text


# ------------------------------------------------------------ EmbeddingProjector
def test_projector_snapshots_metadata_and_sprite(cnn_run, fashion):
    projector = cnn_run.run / "projector"
    config = read_projector(projector)
    embeddings = list(config.embeddings)
    # Before training, after each epoch; the end of training is epoch 2.
    names = [e.tensor_name for e in embeddings]
    assert names == ["softmax@epoch_000", "softmax@epoch_001", "softmax@epoch_002"]

    for embedding in embeddings:
        tensor = np.loadtxt(projector / embedding.tensor_path, delimiter="\t")
        assert tensor.shape == tuple(embedding.tensor_shape) == (40, 10)
        assert_allclose(tensor.sum(axis=1), 1.0, atol=1e-4)  # probabilities
        rows = read_metadata(projector, embedding)
        assert rows[0] == ["label", "predicted", "correct", "index"]
        assert len(rows) == 1 + 40
        sprite = imread(projector / embedding.sprite.image_path)
        assert sprite.shape[:2] == (7 * 28, 7 * 28)  # 40 images: 7 x 7 tiles
        assert list(embedding.sprite.single_image_dim) == [28, 28]
    assert len({e.sprite.image_path for e in embeddings}) == 1

    label, predicted, correct, index = zip(
        *read_metadata(projector, embeddings[-1])[1:], strict=True
    )
    index = np.array(index, dtype=int)
    # A stratified sample of the validation rows, the last quarter.
    assert index.min() >= 180 and len(set(index)) == 40
    expected = np.bincount(fashion.y[180:], minlength=10) * 40 / 60
    assert np.abs(np.bincount(fashion.y[index], minlength=10) - expected).max() <= 1
    assert list(label) == [fashion.names[k] for k in fashion.y[index]]
    # The last snapshot shows the fitted network's predictions.
    y_pred = cnn_run.estimator.predict(fashion.X[index])
    assert list(predicted) == [fashion.names[k] for k in y_pred]
    assert list(correct) == ["yes" if c else "no" for c in y_pred == fashion.y[index]]


def test_projector_run_is_served_by_tensorboard(cnn_run):
    from tensorboard.plugins.projector import projector_plugin
    from werkzeug.test import Client

    context = tensorboard_context(cnn_run.log_dir)
    apps = projector_plugin.ProjectorPlugin(context).get_plugin_apps()

    def get(route, **query):
        response = Client(apps[route]).get(route, query_string=query)
        assert response.status_code == 200, response.data
        return response

    run = f"{cnn_run.run.name}/projector"
    assert json.loads(get("/runs").data) == [run]
    info = json.loads(get("/info", run=run).data)
    name = info["embeddings"][-1]["tensorName"]
    assert name == "softmax@epoch_002"
    assert len(get("/tensor", run=run, name=name).data) == 40 * 10 * 4  # float32
    assert get("/metadata", run=run, name=name).data.count(b"\n") == 41
    assert get("/sprite_image", run=run, name=name).mimetype == "image/png"


def test_projector_every_n_batches_and_no_sprite_for_flat_rows(fashion, tmp_path):
    projector = EmbeddingProjector(
        tmp_path, layer="dense_1", n_probe=10, every_n_epochs=None, every_n_batches=2
    )
    estimator = ANNClassifier(**{**TINY_ANN, "batch_size": 16}, callbacks=[projector])
    # 30 pixels are no square image: no thumbnails.
    with pytest.warns(UserWarning, match="no thumbnails"):
        estimator.fit(fashion.X[:64, :30], fashion.y[:64])  # 4 batches

    (run,) = tmp_path.iterdir()
    config = read_projector(run / "projector")
    assert [e.tensor_name for e in config.embeddings] == [
        "dense_1@step_000000",
        "dense_1@step_000002",
        "dense_1@step_000004",
    ]
    assert all(list(e.tensor_shape) == [10, 8] for e in config.embeddings)
    assert not any(e.sprite.image_path for e in config.embeddings)
    assert read_events(run / "projector")["snapshots"].steps == [0, 2, 4]


# ------------------------------------------------------------------- run folders
def test_continued_training_goes_on_in_the_same_run(fashion, tmp_path):
    probe = (fashion.X[200:220], fashion.y[200:220])
    estimator = ANNClassifier(
        **TINY_ANN,
        callbacks=[
            TensorBoard(tmp_path, write_graph=False),
            EmbeddingProjector(tmp_path, probe=probe),
        ],
    )
    estimator.partial_fit(fashion.X[:100], fashion.y[:100], classes=np.arange(10))
    estimator.partial_fit(fashion.X[100:200], fashion.y[100:200])

    (run,) = tmp_path.iterdir()
    train = read_events(run / "train")
    assert train["epoch_loss"].steps == [1, 2]
    assert train["dense_1/kernel"].steps == [0, 1, 2]
    config = read_projector(run / "projector")
    assert [e.tensor_name for e in config.embeddings] == [
        "softmax@epoch_000",
        "softmax@epoch_001",
        "softmax@epoch_002",
    ]
    assert len(list((run / "projector").glob("sprite_*.png"))) == 1


def test_grid_search_writes_one_run_per_fit(fashion, tmp_path):
    estimator = ANNClassifier(
        **{**TINY_ANN, "hidden_layer_sizes": (4,)},
        callbacks=[TensorBoard(tmp_path, **QUIET)],
    )
    one_split = [(np.arange(40), np.arange(40, 60))]
    search = GridSearchCV(estimator, {"dropout": [0.0, 0.5]}, cv=one_split, refit=False)
    search.fit(fashion.X[:60], fashion.y[:60])

    runs = sorted(run.name for run in tmp_path.iterdir())
    assert len(runs) == 2
    assert "dropout=0," in runs[0] and "dropout=0.5," in runs[1]
    assert all(run.startswith("ANNClassifier-batch_size=32,") for run in runs)


def test_run_name_from_non_default_parameters():
    estimator = CNNClassifier(
        filters=(4, 8),
        learning_rate=1e-3,
        verbose=2,
        callbacks=[TensorBoard()],
        optimizer__beta_1=0.8,
    )
    run_id = "20250301-142501-3fa2c1"
    assert run_name(estimator, run_id) == (
        "CNNClassifier-filters=4x8,learning_rate=0.001,optimizer__beta_1=0.8"
        "-20250301-142501-3fa2c1"
    )
    default = CNNClassifier()
    assert run_name(default, run_id) == "CNNClassifier-20250301-142501-3fa2c1"
    # Too long, or without a short text form: an 8-digit hash instead.
    for params in (
        {"hidden_layer_sizes": tuple(range(1, 60))},
        {"optimizer": keras.optimizers.SGD()},
    ):
        estimator = ANNClassifier(**params)
        _, digest, *_ = run_name(estimator, run_id).split("-")
        assert len(digest) == 8 and int(digest, 16) >= 0


# -------------------------------------------------------- copies and failures
def test_estimator_with_callbacks_clones_pickles_and_refits(fashion, tmp_path):
    callbacks = [
        TensorBoard(tmp_path, **QUIET),
        EmbeddingProjector(tmp_path, n_probe=8),
    ]
    estimator = ANNClassifier(**TINY_ANN, random_state=0, callbacks=callbacks)
    assert repr(clone(estimator)) == repr(estimator)
    assert repr(pickle.loads(pickle.dumps(estimator))) == repr(estimator)

    estimator.fit(fashion.X[:60], fashion.y[:60])
    # The callbacks given keep only their parameters: fit ran on copies.
    for callback in estimator.callbacks:
        assert callback.model is None
        assert not set(callback._runtime) & set(vars(callback))
    restored = pickle.loads(pickle.dumps(estimator))
    X = fashion.X[:20]
    assert_array_equal(restored.predict(X), estimator.predict(X))
    assert repr(copy.deepcopy(estimator.callbacks)) == repr(callbacks)
    assert repr(clone(estimator)) == repr(estimator)

    # Every fit writes its own run, even of the same estimator.
    estimator.fit(fashion.X[:60], fashion.y[:60])
    runs = list(tmp_path.iterdir())
    assert len(runs) == 2
    for run in runs:
        assert read_events(run / "train")["epoch_loss"].steps == [1]


class _Failing(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise RuntimeError("failed on purpose")


class _RecordingTensorBoard(TensorBoard):
    closed: list = []

    def _close(self):
        type(self).closed.append(len(self._writers))
        super()._close()


def test_failed_fit_closes_writers_and_keeps_the_logs(fashion, tmp_path):
    estimator = ANNClassifier(
        **TINY_ANN, callbacks=[_RecordingTensorBoard(tmp_path, **QUIET), _Failing()]
    )
    with pytest.raises(RuntimeError, match="on purpose"):
        estimator.fit(fashion.X[:60], fashion.y[:60])
    assert _RecordingTensorBoard.closed[0] == 1  # the train writer was open
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    (run,) = tmp_path.iterdir()
    assert read_events(run / "train")["epoch_loss"].steps == [1]


def test_callbacks_in_plain_keras_write_into_log_dir(fashion, tmp_path):
    inputs = keras.Input((784,))
    outputs = keras.layers.Dense(10, activation="softmax", name="out")(inputs)
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    callbacks = [
        TensorBoard(tmp_path),
        EmbeddingProjector(tmp_path, layer="out", probe=(fashion.X[:9], fashion.y[:9])),
    ]
    model.fit(fashion.X[:64], fashion.y[:64], epochs=1, verbose=0, callbacks=callbacks)

    assert read_events(tmp_path / "train")["out/kernel"].steps == [0, 1]
    config = read_projector(tmp_path / "projector")
    assert [e.tensor_name for e in config.embeddings] == [
        "out@epoch_000",
        "out@epoch_001",
    ]
    # Labels without class names, predictions as class indices.
    rows = read_metadata(tmp_path / "projector", config.embeddings[0])
    assert [row[0] for row in rows[1:]] == [str(k) for k in fashion.y[:9]]
    # What the callbacks kept after training pickles, without the model.
    assert pickle.loads(pickle.dumps(callbacks[1])).model is None

    with pytest.raises(ValueError, match="no probe images"):
        model.fit(
            fashion.X[:8],
            fashion.y[:8],
            verbose=0,
            callbacks=[EmbeddingProjector(tmp_path, layer="out")],
        )


@pytest.mark.parametrize(
    "callback, message",
    [
        pytest.param(
            EmbeddingProjector(layer="nope"),
            r"no layer 'nope'; its layers are \[.*'softmax'\]",
            id="unknown-layer",
        ),
        pytest.param(
            EmbeddingProjector(n_probe=0),
            r"'n_probe' parameter of EmbeddingProjector .* \[1, inf\)\. Got 0",
            id="n_probe",
        ),
        pytest.param(
            EmbeddingProjector(every_n_epochs=0),
            r"'every_n_epochs' .* \[1, inf\) or None\. Got 0",
            id="every_n_epochs",
        ),
        pytest.param(
            EmbeddingProjector(probe=np.zeros((3, 784))),
            r"(?s)'probe' .* tuple or list of 2 items.* probe=\(X, y\)",
            id="probe",
        ),
        pytest.param(
            TensorBoard(update_freq="epochs"),
            r"'update_freq' .* among {'epoch', 'batch'} or an int in the range \[1",
            id="update_freq",
        ),
        pytest.param(
            TensorBoard(histogram_freq=-1),
            r"'histogram_freq' .* an int in the range \[0, inf\)\. Got -1",
            id="histogram_freq",
        ),
    ],
)
def test_bad_parameters(callback, message, fashion, tmp_path):
    callback.log_dir = tmp_path
    estimator = ANNClassifier(**TINY_ANN, callbacks=[callback])
    with pytest.raises(ValueError, match=message):
        estimator.fit(fashion.X[:40], fashion.y[:40])
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)


def test_sprite_too_large_for_the_projector(fashion, tmp_path, monkeypatch):
    monkeypatch.setattr(projector_module, "MAX_SPRITE_SIDE", 100)
    estimator = ANNClassifier(
        **TINY_ANN, callbacks=[EmbeddingProjector(tmp_path, n_probe=20)]
    )
    with pytest.raises(ValueError, match="sprite of 140x140 pixels, more than"):
        estimator.fit(fashion.X[:40], fashion.y[:40])


def test_stratified_sample_keeps_every_class_in_proportion():
    y = np.array([0] * 90 + [1] * 9 + [2])
    index = _stratified_sample(y, 20)
    assert len(set(index)) == 20
    counts = np.bincount(y[index], minlength=3)
    assert counts[2] == 1 and counts[1] in (2, 3) and counts[0] in (16, 17)
    assert list(y[index]) == sorted(y[index])  # grouped by class
    assert_array_equal(index, _stratified_sample(y, 20))  # the same each time
    assert_array_equal(_stratified_sample(y, 500), np.arange(100))
