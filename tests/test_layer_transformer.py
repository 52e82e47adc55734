"""LayerTransformer: a trained network's layer outputs as features."""

import keras
import numpy as np
import pandas as pd
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

import skfashion._layer_transformer
from skfashion import (
    ANNClassifier,
    CNNClassifier,
    LayerTransformer,
    MinMax255,
    fetch_fashion_mnist,
)

TINY_CNN = {"filters": (4, 8), "dense_units": (16,), "epochs": 1, "random_state": 0}
TINY_ANN = {"hidden_layer_sizes": (16, 8), "epochs": 1, "random_state": 0}


@pytest.fixture(scope="module")
def data():
    """90 random 28x28 images (pixels 0-255) of three classes."""
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(90, 784)).astype(np.uint8)
    return X, np.arange(90) % 3


@pytest.fixture(scope="module")
def cnn_features(data):
    """LayerTransformer of a MinMax255 + CNN pipeline, fitted (a clone)."""
    X, y = data
    pipeline = make_pipeline(MinMax255(), CNNClassifier(**TINY_CNN))
    return LayerTransformer(pipeline).fit(X, y)


@pytest.fixture(scope="module")
def ann(data):
    """A fitted ANN, for prefit use (the tests must not change it)."""
    X, y = data
    return ANNClassifier(**TINY_ANN).fit(X / 255, y)


def layer_output(model, name, rows):
    """A layer's output by a Keras model of its own: the reference."""
    probe = keras.Model(model.input, model.get_layer(name).output)
    output = probe.predict(np.asarray(rows, dtype=np.float32), verbose=0)
    return output.reshape(len(output), -1)


# ------------------------------------------------------------- what it returns
def test_default_layer_of_the_cnn_is_the_dense_layer(cnn_features, data):
    X, _ = data
    assert cnn_features.layer_ == "dense_1"
    assert cnn_features.n_features_out_ == 16
    assert cnn_features.n_features_in_ == 784
    features = cnn_features.transform(X)
    assert features.shape == (90, 16) and features.dtype == np.float32
    assert features.min() >= 0  # after dense_1's ReLU
    names = cnn_features.get_feature_names_out()
    assert names.dtype == object
    assert_array_equal(names, [f"dense_1_{i}" for i in range(16)])


def test_transform_is_the_layer_output_after_the_pipeline(cnn_features, data):
    X, _ = data
    model = cnn_features.estimator_[-1].model_
    expected = layer_output(model, "dense_1", X / 255)
    assert_allclose(cnn_features.transform(X), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("layer", ["pool1", "conv2_relu", "softmax"])
def test_any_layer_by_name_flattened(cnn_features, data, layer):
    X, _ = data
    transformer = LayerTransformer(cnn_features.estimator_, layer=layer, prefit=True)
    features = transformer.fit(X).transform(X[:7])
    model = cnn_features.estimator_[-1].model_
    expected = layer_output(model, layer, X[:7] / 255)
    assert features.shape == expected.shape == (7, transformer.n_features_out_)
    assert_allclose(features, expected, rtol=1e-5, atol=1e-6)
    names = transformer.get_feature_names_out()
    assert names[0] == f"{layer}_0" and names[-1] == f"{layer}_{len(names) - 1}"
    if layer == "softmax":
        proba = cnn_features.estimator_.predict_proba(X[:7])
        assert_allclose(features, proba, rtol=1e-5, atol=1e-6)
    if layer == "pool1":  # 4 channels of 14x14, channels varying fastest
        maps = model.get_layer("pool1").output.shape[1:]
        assert tuple(maps) == (14, 14, 4)
        assert_allclose(features.reshape(7, 14, 14, 4)[:, 0, 0, 1], features[:, 1])


@pytest.mark.parametrize("dropout", [0.3, 0.0])
def test_default_layer_of_the_ann_is_the_last_hidden_activation(data, dropout, ann):
    X, y = data
    if dropout:  # the module's ANN has the default dropout
        estimator = ann
        transformer = LayerTransformer(ann, prefit=True).fit(X / 255)
    else:
        estimator = ANNClassifier(**TINY_ANN, dropout=0.0)
        transformer = LayerTransformer(estimator).fit(X / 255, y)
        estimator = transformer.estimator_
    assert transformer.layer_ == "relu_2"
    expected = layer_output(estimator.model_, "relu_2", X / 255)
    assert_allclose(transformer.transform(X / 255), expected, rtol=1e-5, atol=1e-6)
    assert transformer.get_feature_names_out()[-1] == "relu_2_7"


def test_transform_in_batches_is_the_same(cnn_features, data, monkeypatch):
    X, _ = data
    whole = cnn_features.transform(X)
    monkeypatch.setattr(skfashion._layer_transformer, "PREDICT_BATCH_SIZE", 7)
    assert_allclose(cnn_features.transform(X), whole, rtol=1e-5, atol=1e-6)


# --------------------------------------------------------- prefit and clone
def test_prefit_uses_the_fitted_estimator_without_training(ann, data):
    X, _ = data
    weights = [w.copy() for w in ann.model_.get_weights()]
    history = {key: list(values) for key, values in ann.history_.items()}
    transformer = LayerTransformer(ann, prefit=True).fit(X / 255)  # no y needed
    assert transformer.estimator_ is ann
    assert ann.history_ == history  # not trained again
    for before, after in zip(weights, ann.model_.get_weights(), strict=True):
        assert_array_equal(before, after)
    expected = layer_output(ann.model_, "relu_2", X[:5] / 255)
    assert_allclose(transformer.transform(X[:5] / 255), expected, rtol=1e-5)


def test_without_prefit_the_given_estimator_is_left_alone(ann, data):
    X, y = data
    unfitted = CNNClassifier(**TINY_CNN)
    params = unfitted.get_params()
    transformer = LayerTransformer(unfitted).fit(X / 255, y)
    assert not hasattr(unfitted, "model_")
    assert unfitted.get_params() == params
    assert transformer.estimator_ is not unfitted
    # A fitted estimator with prefit=False: a clone is trained, the original
    # keeps its weights.
    weights = [w.copy() for w in ann.model_.get_weights()]
    refitted = LayerTransformer(ann).fit(X / 255, y)
    assert refitted.estimator_ is not ann
    for before, after in zip(weights, ann.model_.get_weights(), strict=True):
        assert_array_equal(before, after)


def test_clones_of_a_prefit_transformer_share_the_fitted_estimator(ann, data):
    X, y = data
    copy = clone(LayerTransformer(ann, layer="relu_1"))
    assert copy.layer == "relu_1" and copy.prefit is False
    assert copy.estimator is not ann and not hasattr(copy.estimator, "model_")
    prefit = LayerTransformer(ann, prefit=True).set_output(transform="pandas")
    copy = clone(prefit)
    assert copy.estimator is ann and copy.prefit is True
    assert not hasattr(copy, "estimator_")
    out = copy.fit(X / 255).transform(X[:2] / 255)
    assert isinstance(out, pd.DataFrame) and out.shape == (2, 8)
    # So a search over the steps after it never trains the network again.
    weights = [w.copy() for w in ann.model_.get_weights()]
    search = GridSearchCV(
        make_pipeline(LayerTransformer(ann, prefit=True), LogisticRegression()),
        {"logisticregression__C": [0.1, 1.0]},
        cv=2,
    ).fit(X / 255, y)
    assert search.best_estimator_[0].estimator_ is ann
    for before, after in zip(weights, ann.model_.get_weights(), strict=True):
        assert_array_equal(before, after)


# ------------------------------------------------------------ input, output
def test_dataframe_in_pandas_out(data, cnn_features):
    X, _ = data
    columns = [f"pixel{i}" for i in range(784)]
    frame = pd.DataFrame(X[:6], columns=columns, index=range(100, 106))
    transformer = LayerTransformer(cnn_features.estimator_, prefit=True)
    transformer.set_output(transform="pandas")
    out = transformer.fit(frame).transform(frame)
    assert_array_equal(transformer.feature_names_in_, columns)
    assert isinstance(out, pd.DataFrame)
    assert list(out.columns) == [f"dense_1_{i}" for i in range(16)]
    assert list(out.index) == list(range(100, 106))
    assert_allclose(out.to_numpy(), cnn_features.transform(X[:6]), rtol=1e-6)


def test_in_a_pipeline_before_other_estimators(cnn_features, data):
    X, y = data
    for final in (KNeighborsClassifier(n_neighbors=3), LogisticRegression()):
        model = make_pipeline(
            LayerTransformer(cnn_features.estimator_, prefit=True), final
        )
        assert model.fit(X, y).predict(X[:5]).shape == (5,)
        assert_array_equal(
            model[:-1].get_feature_names_out()[:2], ["dense_1_0", "dense_1_1"]
        )


def test_cnn_features_are_good_features(fashion_home):
    """On real data, a logistic regression on the CNN's features is at least
    as good as the CNN's own softmax (both are linear maps of the features)."""
    X, y = fetch_fashion_mnist(data_home=fashion_home, return_X_y=True)
    X_test, y_test = fetch_fashion_mnist(
        data_home=fashion_home, subset="test", return_X_y=True
    )
    X, y, X_test, y_test = X[:3000], y[:3000], X_test[:1000], y_test[:1000]
    cnn = make_pipeline(
        MinMax255(),
        CNNClassifier(filters=(8, 16), dense_units=(32,), epochs=2, random_state=0),
    )
    model = make_pipeline(LayerTransformer(cnn), LogisticRegression(max_iter=1000))
    model.fit(X, y)
    network = model[0].estimator_.score(X_test, y_test)
    features = model.score(X_test, y_test)
    # Measured with random_state 0 and 1: the network 0.50 and 0.51, the
    # regression on its features 0.74 and 0.74, 5 nearest neighbours 0.72
    # and 0.76. Two epochs leave the softmax far from trained; a regression
    # fitted to convergence on the same features does better.
    assert features > 0.6  # 10 classes: 0.1 by chance
    assert features > network - 0.05
    knn = make_pipeline(
        LayerTransformer(model[0].estimator_, prefit=True), KNeighborsClassifier()
    )
    assert knn.fit(X, y).score(X_test, y_test) > 0.6


# ------------------------------------------------------------------- errors
@pytest.mark.parametrize(
    "estimator",
    [LogisticRegression(), make_pipeline(MinMax255(), LogisticRegression()), "cnn"],
    ids=["sklearn", "sklearn-pipeline", "string"],
)
def test_a_non_skfashion_estimator_is_refused(data, estimator):
    X, y = data
    with pytest.raises(TypeError, match="'estimator' parameter of LayerTransformer"):
        LayerTransformer(estimator).fit(X, y)


@pytest.mark.parametrize(
    "params, message",
    [
        ({"layer": 3}, "'layer' parameter of LayerTransformer must be"),
        ({"prefit": "yes"}, "'prefit' parameter of LayerTransformer must be a bool"),
    ],
)
def test_invalid_parameters(data, params, message):
    X, y = data
    with pytest.raises(ValueError, match=message):
        LayerTransformer(CNNClassifier(), **params).fit(X, y)


def test_an_unknown_layer_lists_the_layers(cnn_features, data):
    X, _ = data
    transformer = LayerTransformer(
        cnn_features.estimator_, layer="dense_9", prefit=True
    )
    with pytest.raises(ValueError, match=r"no layer 'dense_9'.*'conv1'.*'dense_1'"):
        transformer.fit(X)
    assert not hasattr(transformer, "estimator_")


def test_prefit_needs_a_fitted_estimator(data):
    X, _ = data
    pipeline = make_pipeline(MinMax255(), CNNClassifier())
    with pytest.raises(
        NotFittedError, match="prefit=True.*CNNClassifier is not fitted"
    ):
        LayerTransformer(pipeline, prefit=True).fit(X)


def test_prefit_checks_the_number_of_features(ann, data):
    X, _ = data
    with pytest.raises(ValueError, match="X has 10 features.*fitted on 784"):
        LayerTransformer(ann, prefit=True).fit(X[:, :10])
    with pytest.raises(ValueError, match="takes no fit parameters"):
        LayerTransformer(ann, prefit=True).fit(X, sample_weight=np.ones(len(X)))


def test_transform_needs_fit_and_the_right_input(ann, data):
    X, _ = data
    with pytest.raises(NotFittedError):
        LayerTransformer(ann, prefit=True).transform(X)
    transformer = LayerTransformer(ann, prefit=True).fit(X)
    with pytest.raises(ValueError, match="X has 10 features, but LayerTransformer"):
        transformer.transform(X[:, :10])
    with pytest.raises(ValueError, match="requires y to be passed"):
        LayerTransformer(ann).fit(X)


def test_failed_fit_leaves_the_fitted_transformer_as_it_was(ann, data):
    # As in scikit-learn: the data is checked, the estimator fitted and the
    # layer found before any fitted attribute is set.
    X, y = data
    columns = [f"pixel{i}" for i in range(784)]
    frame = pd.DataFrame(X, columns=columns)
    transformer = LayerTransformer(ann, prefit=True).fit(frame)
    before = transformer.transform(frame)
    fitted = {
        name: value for name, value in vars(transformer).items() if name[-1] == "_"
    }
    attempts = [
        ({}, np.full((5, 784), np.nan), None),  # NaN
        ({}, X[:, :100], None),  # not the prefit network's 784 features
        ({"layer": "no_such_layer"}, X, None),  # an unknown layer
        ({"prefit": False}, np.full((5, 784), np.nan), y[:5]),  # NaN, fitting
        ({"prefit": False, "layer": "no_such_layer"}, X, y),  # found after fitting
    ]
    for params, X_bad, y_bad in attempts:
        with pytest.raises(ValueError):
            transformer.set_params(**params).fit(X_bad, y_bad)
        transformer.set_params(layer=None, prefit=True)
        now = {
            name: value for name, value in vars(transformer).items() if name[-1] == "_"
        }
        assert now.keys() == fitted.keys(), params
        assert transformer.estimator_ is ann and transformer.layer_ == fitted["layer_"]
        assert transformer.n_features_in_ == 784
        assert_array_equal(transformer.feature_names_in_, columns)
        assert_array_equal(transformer.transform(frame), before)
