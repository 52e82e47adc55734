"""skfashion.save_model and skfashion.load_model: round trips and every refusal.

Two tiny models are fitted once for the module: a CNN behind MinMax255 on
200 real test images, and a bare ANN on three classes named by strings.
"""

from __future__ import annotations

import json
import shutil

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
