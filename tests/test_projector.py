"""EmbeddingProjector(source="weights"): a layer's kernel rows in the Projector.

The files are read back as TensorBoard's Projector reads them: the config
parsed with ``ProjectorConfig``, the tensors and metadata from the paths it
names, and the projector plugin's HTTP routes. Tiny networks on random data:
the values are checked against the kernels themselves, not against accuracy.
"""

import json
from pathlib import Path
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from conftest import tensorboard_context
from google.protobuf import text_format
from numpy.testing import assert_allclose
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.projector import ProjectorConfig

from skfashion import ANNClassifier, CNNClassifier
from skfashion.callbacks import EmbeddingProjector

# The snapshots are written with 6 significant digits.
SAVED = {"rtol": 1e-5, "atol": 1e-7}


def read_projector(projector_dir: Path) -> ProjectorConfig:
    text = (projector_dir / "projector_config.pbtxt").read_text()
    return text_format.Parse(text, ProjectorConfig())


def read_tensor(projector_dir: Path, embedding) -> np.ndarray:
    return np.loadtxt(projector_dir / embedding.tensor_path, delimiter="\t", ndmin=2)


def read_metadata(projector_dir: Path, embedding) -> list[list[str]]:
    text = (projector_dir / embedding.metadata_path).read_text(encoding="utf-8")
    return [line.split("\t") for line in text.splitlines()]


def kernel(model: keras.Model, layer: str) -> np.ndarray:
    return model.get_layer(layer).kernel.numpy()


class KernelRecorder(keras.callbacks.Callback):
    """A layer's kernel before training and after each epoch, as Keras has it."""

    def __init__(self, layer):
        super().__init__()
        self.layer = layer
        self.kernels = []

    def __deepcopy__(self, memo):
        return self  # the classifier copies its callbacks: keep the records here

    def on_train_begin(self, logs=None):
        self.kernels.append(kernel(self.model, self.layer).copy())

    def on_epoch_end(self, epoch, logs=None):
        self.kernels.append(kernel(self.model, self.layer).copy())


@pytest.fixture(scope="module")
def ann_run(tmp_path_factory):
    """An ANN of 8 hidden units, 3 classes, 2 epochs; both views in one fit."""
    log_dir = tmp_path_factory.mktemp("runs")
    rng = np.random.default_rng(0)
    X, y = rng.random((96, 784)).astype(np.float32), np.arange(96) % 3
    recorder = KernelRecorder("softmax")
    estimator = ANNClassifier(
        hidden_layer_sizes=(8,),
        epochs=2,
        batch_size=32,
        random_state=0,
        callbacks=[
            EmbeddingProjector(log_dir, source="weights"),
            EmbeddingProjector(log_dir, n_probe=6),
            recorder,
        ],
    )
    estimator.fit(X, y)
    (run,) = log_dir.iterdir()
    return SimpleNamespace(
        estimator=estimator,
        X=X,
        y=y,
        kernels=recorder.kernels,
        log_dir=log_dir,
        run=run,
        projector=run / "projector",
    )


def weight_embeddings(config: ProjectorConfig) -> list:
    return [e for e in config.embeddings if "/kernel@" in e.tensor_name]


def test_weights_config_one_embedding_per_snapshot_without_sprite(ann_run):
    embeddings = weight_embeddings(read_projector(ann_run.projector))
    names = [e.tensor_name for e in embeddings]
    # Before training, after each epoch; the end of training is epoch 2.
    assert names == [
        "softmax/kernel@epoch_000",
        "softmax/kernel@epoch_001",
        "softmax/kernel@epoch_002",
    ]
    for embedding in embeddings:
        assert embedding.tensor_path == f"{embedding.tensor_name}.tsv"
        assert embedding.metadata_path == "softmax/kernel.metadata.tsv"
        assert (ann_run.projector / embedding.metadata_path).is_file()
        assert not embedding.HasField("sprite")
        # One point per unit of the layer below, one dimension per class.
        assert list(embedding.tensor_shape) == [8, 3]
        assert read_tensor(ann_run.projector, embedding).shape == (8, 3)

    reader = event_accumulator.EventAccumulator(
        str(ann_run.projector), size_guidance={event_accumulator.TENSORS: 0}
    ).Reload()
    assert [e.step for e in reader.Tensors("kernel_snapshots")] == [0, 1, 2]


def test_weights_snapshots_are_the_kernel_at_each_epoch(ann_run):
    embeddings = weight_embeddings(read_projector(ann_run.projector))
    snapshots = [read_tensor(ann_run.projector, e) for e in embeddings]
    # The kernel Keras holds before training and after each epoch.
    assert len(snapshots) == len(ann_run.kernels) == 3
    for snapshot, expected in zip(snapshots, ann_run.kernels, strict=True):
        assert_allclose(snapshot, expected, **SAVED)
    # Training moved the weights: the snapshots tell the epochs apart.
    assert not np.allclose(snapshots[0], snapshots[1], **SAVED)
    assert not np.allclose(snapshots[1], snapshots[2], **SAVED)

    # The last one is the fitted model's kernel, the first the kernel of the
    # same network built afresh with the same random_state.
    assert_allclose(snapshots[-1], kernel(ann_run.estimator.model_, "softmax"), **SAVED)
    unfitted = clone(ann_run.estimator).set_params(callbacks=None)
    initial = unfitted.initialize(ann_run.X, ann_run.y).model_
    assert_allclose(snapshots[0], kernel(initial, "softmax"), **SAVED)


def test_weights_metadata_one_row_per_input_unit(ann_run):
    (embedding, *_) = weight_embeddings(read_projector(ann_run.projector))
    rows = read_metadata(ann_run.projector, embedding)
    # Named after the Dense layer that computes them, not its activation.
    assert rows == [["unit", "index"]] + [[f"dense_1 #{i}", str(i)] for i in range(8)]


def test_both_views_in_one_fit(ann_run):
    config = read_projector(ann_run.projector)
    names = {e.tensor_name for e in config.embeddings}
    assert names == {
        f"softmax{kind}@epoch_00{epoch}"
        for kind in ("", "/kernel")
        for epoch in range(3)
    }
    activations = [e for e in config.embeddings if "/kernel" not in e.tensor_name]
    assert all(list(e.tensor_shape) == [6, 3] for e in activations)
    assert all(e.sprite.image_path for e in activations)


def test_weights_served_by_the_projector_plugin(ann_run):
    from tensorboard.plugins.projector import projector_plugin
    from werkzeug.test import Client

    context = tensorboard_context(ann_run.log_dir)
    apps = projector_plugin.ProjectorPlugin(context).get_plugin_apps()

    def get(route, status=200, **query):
        response = Client(apps[route]).get(route, query_string=query)
        assert response.status_code == status, response.data
        return response

    # The layer folders hold no event files: one run, the projector's.
    run = f"{ann_run.run.name}/projector"
    assert json.loads(get("/runs").data) == [run]
    info = json.loads(get("/info", run=run).data)
    embeddings = {e["tensorName"]: e for e in info["embeddings"]}
    name = "softmax/kernel@epoch_002"
    assert embeddings[name]["tensorShape"] == [8, 3]
    assert "sprite" not in embeddings[name]

    tensor = np.frombuffer(get("/tensor", run=run, name=name).data, np.float32)
    expected = kernel(ann_run.estimator.model_, "softmax")
    assert_allclose(tensor.reshape(8, 3), expected, **SAVED)
    metadata = get("/metadata", run=run, name=name).data.decode().splitlines()
    assert metadata[0] == "unit\tindex" and metadata[1:] == [
        f"dense_1 #{i}\t{i}" for i in range(8)
    ]
    get("/sprite_image", run=run, name=name, status=400)


def test_weights_of_dense_layers_of_a_cnn(tmp_path):
    rng = np.random.default_rng(1)
    X, y = rng.random((40, 784)).astype(np.float32), np.arange(40) % 2
    estimator = CNNClassifier(
        filters=(2, 3),
        dense_units=(5,),
        dropout=0.2,
        epochs=1,
        batch_size=20,
        random_state=0,
        callbacks=[
            EmbeddingProjector(tmp_path, source="weights"),
            EmbeddingProjector(
                tmp_path,
                layer="dense_1",
                source="weights",
                every_n_epochs=None,
                every_n_batches=1,
            ),
        ],
    )
    estimator.fit(X, y)
    (run,) = tmp_path.iterdir()
    projector = run / "projector"
    config = read_projector(projector)
    embeddings = {e.tensor_name: e for e in config.embeddings}
    assert sorted(embeddings) == [
        "dense_1/kernel@step_000000",
        "dense_1/kernel@step_000001",
        "dense_1/kernel@step_000002",
        "softmax/kernel@epoch_000",
        "softmax/kernel@epoch_001",
    ]
    model = estimator.model_

    # The softmax's rows: the units of dense_1, behind the dropout layer.
    softmax = embeddings["softmax/kernel@epoch_001"]
    assert read_tensor(projector, softmax).shape == (5, 2)
    assert_allclose(read_tensor(projector, softmax), kernel(model, "softmax"), **SAVED)
    assert read_metadata(projector, softmax)[1:] == [
        [f"dense_1 #{i}", str(i)] for i in range(5)
    ]

    # dense_1's rows: the flattened 7 x 7 maps of 3 channels of pool2.
    dense = embeddings["dense_1/kernel@step_000002"]
    assert not dense.HasField("sprite")
    assert dense.metadata_path == "dense_1/kernel.metadata.tsv"
    assert read_tensor(projector, dense).shape == (7 * 7 * 3, 5)
    assert_allclose(read_tensor(projector, dense), kernel(model, "dense_1"), **SAVED)
    header, *rows = read_metadata(projector, dense)
    assert header == ["unit", "index", "channel", "row", "column"]
    assert len(rows) == 7 * 7 * 3
    # Each unit is the pool2 value its row names, as the network computes it.
    maps = keras.Model(
        model.inputs[0],
        [model.get_layer("flatten").output, model.get_layer("pool2").output],
    )
    flat, pooled = (values.numpy() for values in maps(X[:4]))
    assert len(np.unique(flat[0])) > 7 * 7  # values that tell units apart
    for i, (unit, index, channel, row, column) in enumerate(rows):
        i_, c, r, k = int(index), int(channel), int(row), int(column)
        assert i_ == i and unit == f"pool2 #{c} ({r}, {k})"
        assert_allclose(flat[:, i], pooled[:, r, k, c])


def test_weights_in_plain_keras_need_no_probe(tmp_path):
    inputs = keras.Input((12,), name="pixels")
    hidden = keras.layers.Dense(4, activation="relu", name="hidden")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax", name="out")(
        keras.layers.Dropout(0.5, name="drop")(hidden)
    )
    model = keras.Model(inputs, outputs)
    model.compile("adam", "sparse_categorical_crossentropy")
    callbacks = [
        EmbeddingProjector(tmp_path, layer="out", source="weights"),
        EmbeddingProjector(tmp_path, layer="hidden", source="weights"),
    ]
    rng = np.random.default_rng(0)
    X, y = rng.random((16, 12)), np.arange(16) % 3
    model.fit(X, y, epochs=1, verbose=0, callbacks=callbacks)

    config = read_projector(tmp_path / "projector")
    embeddings = {e.tensor_name: e for e in config.embeddings}
    assert sorted(embeddings) == [
        "hidden/kernel@epoch_000",
        "hidden/kernel@epoch_001",
        "out/kernel@epoch_000",
        "out/kernel@epoch_001",
    ]
    out = embeddings["out/kernel@epoch_001"]
    assert_allclose(
        read_tensor(tmp_path / "projector", out), kernel(model, "out"), **SAVED
    )
    rows = read_metadata(tmp_path / "projector", out)
    assert [row[0] for row in rows[1:]] == [f"hidden #{i}" for i in range(4)]
    rows = read_metadata(tmp_path / "projector", embeddings["hidden/kernel@epoch_001"])
    assert [row[0] for row in rows[1:]] == [f"pixels #{i}" for i in range(12)]


@pytest.mark.parametrize(
    "layer, message",
    [
        pytest.param(
            "conv1",
            r"'conv1' .* kernel has shape \(3, 3, 1, 2\)\. Layers with a 2-D "
            r"kernel: \['dense_1', 'softmax'\]\. A convolution's filters",
            id="conv",
        ),
        pytest.param(
            "pool1",
            r"'pool1' .* no kernel \(it is a MaxPooling2D\)\. Layers with",
            id="pooling",
        ),
        pytest.param("nope", r"no layer 'nope'; its layers are", id="unknown"),
    ],
)
def test_weights_of_a_layer_without_a_2d_kernel(layer, message, tmp_path):
    projector = EmbeddingProjector(tmp_path, layer=layer, source="weights")
    estimator = CNNClassifier(filters=(2,), dense_units=(4,), callbacks=[projector])
    X, y = np.random.default_rng(0).random((20, 784)), np.arange(20) % 2
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)
    with pytest.raises(NotFittedError):
        check_is_fitted(estimator)
    # Refused when the callback starts: no snapshot was written.
    assert not list(tmp_path.rglob("*.tsv"))


def test_bad_source(tmp_path):
    estimator = ANNClassifier(
        hidden_layer_sizes=(4,),
        callbacks=[EmbeddingProjector(tmp_path, source="kernel")],
    )
    X, y = np.random.default_rng(0).random((20, 784)), np.arange(20) % 2
    message = (
        r"The 'source' parameter of EmbeddingProjector must be a str among "
        r"\{'activations', 'weights'\}\. Got 'kernel' instead\."
    )
    with pytest.raises(ValueError, match=message):
        estimator.fit(X, y)
