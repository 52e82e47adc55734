"""skfashion.save_model and skfashion.load_model: round trips and every refusal.

Two tiny models are fitted once for the module: a CNN behind MinMax255 on
200 real test images, and a bare ANN on three classes named by strings.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tracemalloc
import zipfile

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skfashion import (
    ANNClassifier,
    CNNClassifier,
    MinMax255,
    fetch_fashion_mnist,
    load_model,
    save_model,
)
from skfashion.datasets import FASHION_MNIST_CLASSES


@pytest.fixture(scope="module")
def data(fashion_home):
    X, y = fetch_fashion_mnist(data_home=fashion_home, subset="test", return_X_y=True)
    return X[:200], y[:200]


@pytest.fixture(scope="module")
def cnn_pipeline(data):
    cnn = CNNClassifier(filters=(4,), dense_units=(8,), epochs=1, random_state=0)
    return make_pipeline(MinMax255(), cnn).fit(*data)


@pytest.fixture(scope="module")
def saved_cnn(cnn_pipeline, tmp_path_factory):
    return save_model(cnn_pipeline, tmp_path_factory.mktemp("cnn"))


@pytest.fixture(scope="module")
def ann_three_classes(data):
    """A bare ANN on scaled pixels, its classes the names of 3 classes."""
    X, y = data
    keep = y < 3
    X = (X[keep] / 255).astype(np.float32)
    names = np.asarray(FASHION_MNIST_CLASSES)[y[keep]]
    ann = ANNClassifier((8,), epochs=1, random_state=np.random.RandomState(0))
    return ann.fit(X, names), X


@pytest.fixture(scope="module")
def saved_ann(ann_three_classes, tmp_path_factory):
    return save_model(ann_three_classes[0], tmp_path_factory.mktemp("ann"))


def copy_of(folder, tmp_path):
    return shutil.copytree(folder, tmp_path / "copy")


def edit_metadata(folder, **changes):
    path = folder / "estimator.json"
    path.write_text(json.dumps({**json.loads(path.read_text()), **changes}))


# ------------------------------------------------------------- round trips
def test_pipeline_round_trip_predicts_bit_for_bit(cnn_pipeline, saved_cnn, data):
    X, _ = data
    loaded = load_model(saved_cnn)
    assert isinstance(loaded, Pipeline) and isinstance(loaded[0], MinMax255)
    assert loaded[0].get_params() == cnn_pipeline[0].get_params()
    np.testing.assert_array_equal(
        loaded.predict_proba(X), cnn_pipeline.predict_proba(X)
    )
    np.testing.assert_array_equal(loaded.predict(X), cnn_pipeline.predict(X))
    cnn = cnn_pipeline[-1]
    assert loaded[-1].image_shape_ == cnn.image_shape_ == (28, 28, 1)
    assert loaded[-1].history_["loss"] == pytest.approx(cnn.history_["loss"])
    assert loaded[-1].get_params() == cnn.get_params()
    assert loaded[-1].n_features_in_ == 784 and loaded[-1].n_classes_ == 10


def test_loaded_pipeline_still_refuses_pixels_scaled_already(saved_cnn, data, tmp_path):
    # The scaler comes back fitted as it was saved: on pixels up to 255.
    X, _ = data
    loaded = load_model(saved_cnn)
    assert loaded[0].data_max_ == 255 and loaded[0].n_features_in_ == 784
    with pytest.raises(ValueError, match="already scaled.*up to 255"):
        loaded.predict(X / 255)
    # A folder saved before the scaler's fit was recorded: unfitted, as then.
    folder = copy_of(saved_cnn, tmp_path)
    edit_metadata(
        folder, preprocessing={"class": "MinMax255", "dtype": "float32", "clip": False}
    )
    assert not hasattr(load_model(folder)[0], "data_max_")


def test_classifier_round_trip_with_string_classes(ann_three_classes, saved_ann):
    ann, X = ann_three_classes
    metadata = json.loads((saved_ann / "estimator.json").read_text())
    assert metadata["preprocessing"] is None
    assert "random_state" in metadata["params_not_saved"]
    loaded = load_model(saved_ann)
    assert type(loaded) is ANNClassifier and loaded.random_state is None
    assert loaded.hidden_layer_sizes == (8,)
    np.testing.assert_array_equal(loaded.classes_, ann.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X), ann.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), ann.predict(X))
    assert loaded.score(X, ann.predict(X)) == 1.0


def test_saving_again_replaces_the_files(cnn_pipeline, saved_cnn, tmp_path, data):
    folder = copy_of(saved_cnn, tmp_path)
    assert save_model(cnn_pipeline[-1], folder) == folder
    loaded = load_model(folder)
    assert isinstance(loaded, CNNClassifier)  # the bare classifier this time
    X = (data[0][:5] / 255).astype(np.float32)
    np.testing.assert_array_equal(
        loaded.predict_proba(X), cnn_pipeline[-1].predict_proba(X)
    )


# ---------------------------------------------------------------- refusals
@pytest.mark.parametrize(
    "estimator",
    [CNNClassifier(), make_pipeline(MinMax255(), ANNClassifier())],
    ids=["classifier", "pipeline"],
)
def test_save_refuses_an_unfitted_estimator(estimator, tmp_path):
    with pytest.raises(NotFittedError, match="not fitted: call fit before save_model"):
        save_model(estimator, tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_save_refuses_foreign_steps_and_estimators(cnn_pipeline, data, tmp_path):
    cnn = cnn_pipeline[-1]
    foreign = [
        (make_pipeline(StandardScaler(), cnn), "Only a Pipeline of a MinMax255"),
        (make_pipeline(MinMax255(), MinMax255(), cnn), "Only a Pipeline of a"),
        (make_pipeline(MinMax255(), LogisticRegression()), "got LogisticRegression"),
        (LogisticRegression().fit(data[0][:50], data[1][:50]), "Expected one of"),
    ]
    for estimator, message in foreign:
        with pytest.raises(TypeError, match=message):
            save_model(estimator, tmp_path / "model")
    assert not (tmp_path / "model").exists()


def test_load_refuses_a_newer_format(saved_cnn, tmp_path):
    folder = copy_of(saved_cnn, tmp_path)
    edit_metadata(folder, format=2)
    with pytest.raises(ValueError, match="format 2, newer than this skfashion"):
        load_model(folder)


def test_load_refuses_files_of_two_saves(saved_cnn, saved_ann, tmp_path):
    # model.keras of one save, estimator.json of another: the checksum ...
    folder = copy_of(saved_cnn, tmp_path)
    shutil.copy(saved_ann / "model.keras", folder / "model.keras")
    with pytest.raises(ValueError, match="do not belong together"):
        load_model(folder)
    # ... and, in a folder saved without one, the network's shapes tell.
    edit_metadata(folder, model_sha256=None)
    with pytest.raises(ValueError, match="gives 3 classes, but estimator.json says"):
        load_model(folder)


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "does not hold a JSON object"),
        ('{"format": 1}', "lacks 'estimator'"),
    ],
)
def test_load_refuses_damaged_json(saved_cnn, tmp_path, text, message):
    folder = copy_of(saved_cnn, tmp_path)
    (folder / "estimator.json").write_text(text)
    with pytest.raises(ValueError, match=message):
        load_model(folder)


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"estimator": "os.system"}, "only ANNClassifier, CNNClassifier"),
        ({"preprocessing": {"class": "Evil"}}, "only MinMax255"),
        (
            {
                "preprocessing": {
                    "class": "MinMax255",
                    "dtype": "float32",
                    "data_max": "x",
                }
            },
            "only MinMax255",
        ),
        ({"classes_dtype": "not a dtype"}, "is damaged"),
    ],
)
def test_load_makes_nothing_but_skfashion_estimators(
    saved_cnn, tmp_path, changes, message
):
    folder = copy_of(saved_cnn, tmp_path)
    edit_metadata(folder, **changes)
    with pytest.raises(ValueError, match=message):
        load_model(folder)


def test_load_refuses_a_missing_file_or_folder(saved_cnn, tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_model(tmp_path / "nothing")
    for name in ("model.keras", "estimator.json"):
        folder = shutil.copytree(saved_cnn, tmp_path / name.split(".")[0])
        (folder / name).unlink()
        with pytest.raises(FileNotFoundError, match=f"has no {name}"):
            load_model(folder)


def test_load_accepts_the_path_of_either_file(saved_ann, ann_three_classes, tmp_path):
    ann, X = ann_three_classes
    for name in ("model.keras", "estimator.json"):
        loaded = load_model(saved_ann / name)
        np.testing.assert_array_equal(loaded.predict_proba(X), ann.predict_proba(X))
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(NotADirectoryError) as info:
        load_model(tmp_path / "notes.txt")
    message = str(info.value)
    assert "notes.txt is a file, not a saved model" in message
    assert "pass the folder that holds model.keras and estimator.json" in message


def test_load_refuses_a_network_of_the_same_shape_from_another_save(tmp_path):
    # Two fits of one architecture with different seeds: the networks differ
    # only in their weights, so only the SHA-256 of model.keras can tell that
    # it is not the network saved with this estimator.json.
    X = np.random.default_rng(0).integers(0, 256, size=(60, 784)).astype(np.uint8)
    y = np.arange(60) % 3
    folders = []
    for seed in (0, 1):
        ann = ANNClassifier((8,), epochs=1, random_state=seed)
        folders.append(save_model(ann.fit(X, y), tmp_path / f"seed{seed}"))
    shutil.copy(folders[1] / "model.keras", folders[0] / "model.keras")
    with pytest.raises(ValueError) as info:
        load_model(folders[0])
    message = str(info.value)
    assert f"{folders[0] / 'model.keras'} is not the network saved with" in message
    assert "(its SHA-256 differs)" in message
    assert "Save the model again with skfashion.save_model" in message


# ---------------------------------------------------- hostile model.keras
def rewrite_archive(folder, members, compression=zipfile.ZIP_STORED):
    """model.keras holding ``members`` ({name: bytes}); its SHA-256 recorded.

    The checksum is updated as a forger would, so that what is tested is
    the check of the archive itself.
    """
    model = folder / "model.keras"
    with zipfile.ZipFile(model, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    digest = hashlib.sha256(model.read_bytes()).hexdigest()
    edit_metadata(folder, model_sha256=digest)


def members_of(folder):
    with zipfile.ZipFile(folder / "model.keras") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def peak_of_load(folder, **kwargs):
    """(the error load_model raised, the peak of Python's allocations)."""
    tracemalloc.start()
    try:
        with pytest.raises(ValueError) as info:
            load_model(folder, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(info.value), peak


def test_load_refuses_weights_out_of_proportion_before_reading_them(
    saved_ann, tmp_path
):
    # A weights member expanding to 32 MiB, stored in 32 kB, for a network
    # whose config declares 25 kB of weights (Keras guards only members above
    # 4 GiB: 1 GiB that way made load_model hold 2.7 GiB).
    folder = copy_of(saved_ann, tmp_path)
    members = members_of(folder)
    members["model.weights.h5"] += bytes(32 << 20)
    rewrite_archive(folder, members, zipfile.ZIP_DEFLATED)
    assert (folder / "model.keras").stat().st_size < 1 << 20
    before = sorted(os.listdir(folder))
    message, peak = peak_of_load(folder)
    assert str(folder / "model.keras") in message
    assert f"declares {len(members['model.weights.h5'])} bytes of weights" in message
    assert "out of proportion with its network" in message
    assert peak < 4 << 20  # the 32 MiB were never expanded
    assert sorted(os.listdir(folder)) == before  # nothing written


def test_load_refuses_a_config_declaring_a_huge_network(saved_ann, tmp_path):
    # The reverse: a config declaring 3 TB of weights, built by Keras before
    # it reads any. Counted without allocating, refused by max_bytes.
    folder = copy_of(saved_ann, tmp_path)
    members = members_of(folder)
    config = json.loads(members["config.json"])
    output = config["config"]["layers"][-1]  # the softmax: 8 inputs, 3 outputs
    assert output["class_name"] == "Dense"
    output["config"]["units"] = 10**11
    members["config.json"] = json.dumps(config).encode()
    rewrite_archive(folder, members)
    message, peak = peak_of_load(folder)
    assert "holds a network that needs" in message
    assert "more than max_bytes=1073741824" in message
    assert "pass a larger max_bytes to load_model" in message
    assert peak < 4 << 20


def test_max_bytes_bounds_what_a_network_may_take(saved_ann, ann_three_classes):
    ann, X = ann_three_classes
    message, _ = peak_of_load(saved_ann, max_bytes=10_000)
    assert "more than max_bytes=10000" in message
    loaded = load_model(saved_ann, max_bytes=None)
    np.testing.assert_array_equal(loaded.predict_proba(X), ann.predict_proba(X))
    with pytest.raises(ValueError, match="'max_bytes' parameter of load_model"):
        load_model(saved_ann, max_bytes=-1)


@pytest.mark.parametrize(
    "damage",
    [
        lambda data: data[: len(data) // 2],
        lambda data: data[:-30],
        lambda data: np.random.default_rng(0).bytes(len(data)),
        lambda data: b"",
    ],
    ids=["half", "cut-end", "random-bytes", "empty"],
)
def test_load_says_a_damaged_model_keras_is_damaged(saved_ann, tmp_path, damage):
    # Keras itself said "File not found" of these files, which exist.
    folder = copy_of(saved_ann, tmp_path)
    model = folder / "model.keras"
    model.write_bytes(damage(model.read_bytes()))
    with pytest.raises(ValueError) as info:
        load_model(folder)
    message = str(info.value)
    assert f"{model} is not a Keras model archive (a zip file)" in message
    assert "damaged or incomplete" in message and "save the model again" in message
    assert "File not found" not in message


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda m: {**m, "assets/run.py": b"print()"}, "where Keras writes"),
        (lambda m: {k: v for k, v in m.items() if k != "config.json"}, "holds \\["),
        (lambda m: m, "holds compressed members"),
    ],
    ids=["extra-member", "no-config", "deflated"],
)
def test_load_refuses_archives_keras_does_not_write(
    saved_ann, tmp_path, change, message
):
    folder = copy_of(saved_ann, tmp_path)
    rewrite_archive(folder, change(members_of(folder)), zipfile.ZIP_DEFLATED)
    with pytest.raises(ValueError, match=message):
        load_model(folder)
