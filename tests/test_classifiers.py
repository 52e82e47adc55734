"""ANNClassifier and CNNClassifier: the scikit-learn contract, on small data."""

import gc
import logging
import os
import pickle
import random
import threading
import time

import joblib
import keras
import numpy as np
import pytest
import scipy.sparse as sp
import tensorflow as tf
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline

from skfashion import ANNClassifier, CNNClassifier, MinMax255, fetch_fashion_mnist

FAST = {"epochs": 2, "batch_size": 32, "random_state": 0}
SMALL_ANN = {"hidden_layer_sizes": (32,), **FAST}
SMALL_CNN = {"filters": (8, 16), "dense_units": (32,), **FAST}


@pytest.fixture(scope="module")
def fashion(fashion_home):
    """600 training and 200 test images of the real data, scaled to [0, 1]."""
    X, y = fetch_fashion_mnist(data_home=fashion_home, return_X_y=True)
    X, y = MinMax255().transform(X[:800]), y[:800]
    return X[:600], y[:600], X[600:], y[600:]


@pytest.fixture(params=[ANNClassifier, CNNClassifier], ids=["ann", "cnn"])
def small(request):
    kwargs = SMALL_ANN if request.param is ANNClassifier else SMALL_CNN
    return request.param(**kwargs)


def _blobs(n=90, n_features=16, seed=0):
    """Three well separated classes."""
    rng = np.random.RandomState(seed)
    y = np.arange(n) % 3
    X = rng.rand(n, n_features).astype(np.float32) * 0.2 + y[:, None] * 0.4
    return X, y


class Recorder(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        self.last = epoch


def test_is_a_classifier_with_stratified_cv(small):
    assert is_classifier(small)
    assert small.__sklearn_tags__().estimator_type == "classifier"


def test_learns_fashion_and_keeps_parameters(small, fashion):
    X, y, X_test, y_test = fashion
    params = small.get_params()
    small.fit(X, y)
    assert small.get_params() == params  # fit changes no parameter
    assert_array_equal(small.classes_, np.arange(10))
    assert small.n_features_in_ == 784 and small.n_classes_ == 10
    assert isinstance(small.model_, keras.Model)
    assert len(small.history_["loss"]) == 2 and len(small.history_["accuracy"]) == 2
    assert small.history_["loss"][1] < small.history_["loss"][0]
    # Two epochs on 600 images: far above the 10% of guessing, and far above
    # the same images transposed, so the network learned where the pixels
    # are (seeds 0-2: ANN 0.62-0.66 against 0.04-0.08; CNN, whose batch
    # normalization has seen 38 steps, 0.40-0.54 against 0.04-0.12).
    # test_training.py compares the networks on 3,000 images.
    score = small.score(X_test, y_test)
    transposed = X_test.reshape(-1, 28, 28).transpose(0, 2, 1).reshape(200, 784)
    assert score > 0.4 and small.score(transposed, y_test) < score - 0.2
    proba = small.predict_proba(X_test)
    assert proba.shape == (200, 10)
    assert_allclose(proba.sum(axis=1), 1, rtol=1e-5)
    assert_array_equal(small.predict(X_test), small.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("shape", [(28, 28), (28, 28, 1)])
def test_image_shaped_input(fashion, shape):
    X, y, X_test, _ = fashion
    images = X.reshape(-1, *shape)
    cnn = CNNClassifier(**SMALL_CNN).fit(images, y)
    assert cnn.image_shape_ == (28, 28, 1)
    assert cnn.n_features_in_ == 784
    # Any of the three forms predicts the same.
    flat = cnn.predict_proba(X_test)
    assert_array_equal(cnn.predict_proba(X_test.reshape(-1, *shape)), flat)
    ann = ANNClassifier(**SMALL_ANN).fit(images, y)
    assert_array_equal(ann.predict(X_test.reshape(-1, 28, 28)), ann.predict(X_test))


def test_cnn_image_shape(fashion):
    X, y, _, _ = fashion
    assert CNNClassifier(**SMALL_CNN).fit(X[:64], y[:64]).image_shape_ == (28, 28, 1)
    wide = CNNClassifier(image_shape=(14, 56), **SMALL_CNN).fit(X[:64], y[:64])
    assert wide.image_shape_ == (14, 56, 1)
    assert wide.model_.get_layer("conv1").output.shape[1:3] == (14, 56)
    with pytest.raises(ValueError, match="does not hold the 784 features"):
        CNNClassifier(image_shape=(28, 27), **SMALL_CNN).fit(X[:64], y[:64])
    X_odd, y_odd = _blobs(n_features=10)
    assert CNNClassifier(**SMALL_CNN).fit(X_odd, y_odd).image_shape_ == (1, 10, 1)


def test_pool_first(fashion):
    X, y, X_test, _ = fashion
    normalized = {**SMALL_CNN, "batch_normalization": True}
    cnn = CNNClassifier(pool_first=True, **normalized).fit(X, y)
    names = [layer.name for layer in cnn.model_.layers]
    assert names.index("pool1") == names.index("conv1") + 1
    assert names.index("conv1_bn") == names.index("pool1") + 1
    # The normalization and ReLU run on the pooled maps.
    assert cnn.model_.get_layer("conv1_bn").output.shape[1:] == (14, 14, 8)
    assert cnn.model_.get_layer("conv2_relu").output.shape[1:] == (7, 7, 16)
    # With two convolutions per block, only the last one is pooled first.
    deep = CNNClassifier(pool_first=True, convs_per_block=2, **normalized)
    layers = deep.fit(X[:64], y[:64]).model_.layers
    names = [layer.name for layer in layers]
    assert names.index("pool1") == names.index("conv1_2") + 1
    assert names.index("conv1_1_relu") < names.index("conv1_2")

    # Without normalization, pooling first computes exactly the same function:
    # max pooling and the ReLU commute. Given the weights of the other
    # network, it predicts what that one predicts, and not before.
    plain = {**SMALL_CNN, "batch_normalization": False}
    after = CNNClassifier(**plain).fit(X, y)
    before = CNNClassifier(pool_first=True, **plain).fit(X[:64], y[:64])
    assert not np.allclose(before.predict_proba(X_test), after.predict_proba(X_test))
    for layer in after.model_.layers:
        if layer.weights:
            before.model_.get_layer(layer.name).set_weights(layer.get_weights())
    assert_allclose(
        before.predict_proba(X_test), after.predict_proba(X_test), rtol=1e-5
    )


def test_string_labels(small):
    X, y = _blobs()
    names = np.array(["coat", "dress", "shirt"])[y]
    small.set_params(epochs=10, batch_size=8, learning_rate=0.01)
    if isinstance(small, CNNClassifier):
        # On 90 images of 4x4 pixels, 120 steps leave batch normalization's
        # moving averages (momentum 0.99) far from the data: with them the
        # CNN scores 0.67 on data it fits at 0.89 in training.
        small.set_params(batch_normalization=False)
    small.fit(X, names)
    assert_array_equal(small.classes_, ["coat", "dress", "shirt"])
    # The names are only labels: the same network as with the codes 0, 1, 2,
    # and one that learned the blobs (chance is 1/3; seeds 0-2: ANN 0.86-1.0,
    # CNN 1.0).
    codes = clone(small).fit(X, y)
    assert_array_equal(small.predict_proba(X), codes.predict_proba(X))
    assert_array_equal(small.predict(X), small.classes_[codes.predict(X)])
    assert small.score(X, names) > 0.8


def test_partial_fit_and_warm_start(small):
    X, y = _blobs()
    small.partial_fit(X[:30], y[:30], classes=[0, 1, 2])
    small.partial_fit(X[30:], y[30:])
    assert len(small.history_["loss"]) == 2
    assert_array_equal(small.classes_, [0, 1, 2])
    first_batch = clone(small).partial_fit(X[y == 0], y[y == 0], classes=[0, 1, 2])
    assert first_batch.n_classes_ == 3
    with pytest.raises(ValueError, match=r"labels \[7\] that are not among"):
        first_batch.partial_fit(X[:3], [7, 7, 7])

    warm = clone(small).set_params(warm_start=True).fit(X, y)
    model = warm.model_
    warm.fit(X, y)
    assert warm.model_ is model and len(warm.history_["loss"]) == 4
    cold = clone(small).fit(X, y)
    model = cold.model_
    cold.fit(X, y)
    assert cold.model_ is not model and len(cold.history_["loss"]) == 2


def test_class_and_sample_weight(small):
    X, y = _blobs()
    small.set_params(epochs=10, batch_size=8)
    # Zero weight on classes 1 and 2: the network only ever sees class 0.
    only_zero = clone(small).set_params(class_weight={0: 1.0, 1: 0.0, 2: 0.0})
    assert_array_equal(only_zero.fit(X, y).predict(X), 0)
    weights = np.where(y == 2, 1.0, 0.0)
    assert_array_equal(clone(small).fit(X, y, sample_weight=weights).predict(X), 2)
    # "balanced", which Keras does not know, on imbalanced data.
    keep = (y != 1) | (np.arange(len(y)) < 10)
    balanced = clone(small).set_params(class_weight="balanced").fit(X[keep], y[keep])
    assert_array_equal(balanced.classes_, [0, 1, 2])


def test_routed_parameters(small):
    X, y = _blobs()
    est = clone(small).set_params(optimizer__weight_decay=0.01, model__dropout=0.5)
    assert est.get_params()["optimizer__weight_decay"] == 0.01
    est.fit(X, y)
    assert est.model_.optimizer.weight_decay == 0.01
    assert any(
        isinstance(layer, keras.layers.Dropout) and layer.rate == 0.5
        for layer in est.model_.layers
    )
    assert type(est.model_.optimizer).__name__ == "AdamW"
    sgd = clone(small).set_params(optimizer="sgd", optimizer__momentum=0.9).fit(X, y)
    assert type(sgd.model_.optimizer).__name__ == "SGD"
    assert sgd.model_.optimizer.momentum == 0.9
    instance = keras.optimizers.RMSprop(rho=0.8)
    rms = clone(small).set_params(optimizer=instance).fit(X, y)
    assert rms.model_.optimizer is not instance and rms.model_.optimizer.rho == 0.8
    with pytest.raises(ValueError, match="unknown parameter 'optimiser__lr'"):
        type(small)(optimiser__lr=0.1).fit(X, y)


def test_constant_learning_rate_and_bad_schedule(small):
    X, y = _blobs()
    est = clone(small).set_params(lr_schedule="constant", learning_rate=0.005).fit(X, y)
    assert float(est.model_.optimizer.learning_rate) == pytest.approx(0.005)
    with pytest.raises(ValueError, match="'lr_schedule' parameter .* among {'cosine'"):
        clone(small).set_params(lr_schedule="step").fit(X, y)


def test_validation_split_and_early_stopping(small):
    X, y = _blobs()
    est = clone(small).set_params(validation_split=0.2, early_stopping=1, epochs=30)
    est.fit(X, y)
    assert len(est.history_["val_loss"]) == len(est.history_["loss"]) <= 30
    # The network kept is the one of the lowest validation loss, on the last
    # 20% of the rows (label smoothing 0.1 in the loss).
    proba = np.clip(est.predict_proba(X[72:]), 1e-7, 1 - 1e-7)
    target = np.eye(3)[y[72:]] * 0.9 + 0.1 / 3
    val_loss = -(target * np.log(proba)).sum(axis=1).mean()
    assert val_loss == pytest.approx(min(est.history_["val_loss"]), rel=1e-5)


def _global_state():
    return (
        random.getstate(),
        repr(np.random.get_state()),
        keras.utils.get_random_seed() if hasattr(keras.utils, "get_random_seed") else 0,
        {k: v for k, v in os.environ.items() if "TF_" in k or "PYTHONHASH" in k},
    )


def test_reproducible_and_leaves_no_global_state(small, fashion):
    X, y, X_test, _ = fashion
    before = _global_state()
    first = clone(small).fit(X, y).predict_proba(X_test)
    assert _global_state() == before
    second = clone(small).fit(X, y).predict_proba(X_test)
    assert_array_equal(first, second)
    other = clone(small).set_params(random_state=1).fit(X, y).predict_proba(X_test)
    assert not np.array_equal(first, other)
    rng = np.random.RandomState(3)
    state = repr(rng.get_state())
    clone(small).set_params(random_state=rng).fit(X[:64], y[:64])
    assert repr(rng.get_state()) == state  # a RandomState parameter is not consumed
    # Unseeded random ops still work after a seeded fit: TensorFlow's op
    # determinism (which has no public getter) was not switched on.
    assert tf.random.uniform((2,)).shape == (2,)


def test_reproducible_while_other_threads_draw_random_numbers(small):
    # A Dask worker's event loop, for one, draws from Python's global random
    # while a fit runs in another thread; the layers' seeds do not come from it.
    X, y = _blobs()
    quiet = clone(small).fit(X, y).predict_proba(X)
    stop = threading.Event()

    def draw():
        while not stop.is_set():
            random.random()
            time.sleep(0.0005)

    thread = threading.Thread(target=draw, daemon=True)
    thread.start()
    try:
        noisy = clone(small).fit(X, y).predict_proba(X)
    finally:
        stop.set()
        thread.join()
    assert_array_equal(noisy, quiet)


def test_clone_and_pickle_round_trips(small, tmp_path):
    X, y = _blobs()
    recorder = Recorder()
    est = clone(small).set_params(callbacks=[recorder]).fit(X, y)
    assert not hasattr(recorder, "last")  # the parameter's callback is not used
    unfitted = clone(est)
    assert not hasattr(unfitted, "model_")
    assert unfitted.get_params()["callbacks"][0] is not recorder
    expected = est.predict_proba(X)
    restored = pickle.loads(pickle.dumps(est))
    assert_array_equal(restored.predict_proba(X), expected)
    joblib.dump(est, tmp_path / "model.joblib")
    assert_array_equal(
        joblib.load(tmp_path / "model.joblib").predict_proba(X), expected
    )
    # A restored estimator keeps training.
    restored.set_params(warm_start=True).fit(X, y)
    assert len(restored.history_["loss"]) == 2 * small.epochs


def test_fast_and_batched_predict_agree(small, fashion, monkeypatch):
    X, y, X_test, _ = fashion
    small.fit(X, y)
    fast = small.predict_proba(X_test)
    import skfashion._inference as inference

    monkeypatch.setattr(inference, "FAST_PREDICT_MAX_ROWS", 0)
    assert_allclose(small.predict_proba(X_test), fast, atol=1e-6)
    assert_allclose(small.model_.predict(X_test, verbose=0), fast, atol=1e-6)


def test_fast_predict_of_many_models_is_not_a_retracing():
    # TensorFlow counts traces per Python function: one shared function for
    # every model's inference looked like retracing after 5 fitted models.
    X, y = _blobs()
    models = [ANNClassifier(**{**SMALL_ANN, "epochs": 1}).fit(X, y) for _ in range(7)]
    logger, records = tf.get_logger(), []
    handler = logging.Handler()
    handler.emit = records.append
    logger.addHandler(handler)
    try:
        for model in models:
            model.predict(X[:5])
    finally:
        logger.removeHandler(handler)
    assert [r.getMessage() for r in records if "retracing" in r.getMessage()] == []


@pytest.mark.slow
def test_in_grid_search_and_cross_validation(fashion):
    X, y, _, _ = fashion
    pipe = make_pipeline(
        MinMax255(clip=True), CNNClassifier(**{**SMALL_CNN, "epochs": 1})
    )
    grid = GridSearchCV(
        pipe,
        {
            "cnnclassifier__model__filters": [(8,), (8, 16)],
            "cnnclassifier__optimizer__learning_rate": [1e-3, 3e-3],
        },
        cv=2,
    )
    grid.fit(X[:300], y[:300])
    assert len(grid.cv_results_["params"]) == 4
    assert set(grid.best_params_) == {
        "cnnclassifier__model__filters",
        "cnnclassifier__optimizer__learning_rate",
    }
    assert grid.best_estimator_[-1].model_ is not None
    ann = ANNClassifier(**{**SMALL_ANN, "epochs": 5})
    scores = cross_val_score(ann, X[:300], y[:300], cv=3)
    # The scores of seeded fits on stratified folds, in order.
    folds = StratifiedKFold(3).split(X[:300], y[:300])
    by_hand = [
        clone(ann).fit(X[train], y[train]).score(X[test], y[test])
        for train, test in folds
    ]
    assert_array_equal(scores, by_hand)
    # is_classifier is what makes cross_val_score stratify.
    from sklearn.model_selection import check_cv

    assert isinstance(check_cv(3, y, classifier=is_classifier(grid)), StratifiedKFold)


@pytest.mark.parametrize(
    "X, y, error, message",
    [
        (np.full((10, 4), np.nan), np.arange(10) % 2, ValueError, "NaN"),
        (np.full((10, 4), np.inf), np.arange(10) % 2, ValueError, "infinity"),
        (np.zeros((0, 4)), np.zeros(0), ValueError, "0 sample"),
        (sp.csr_matrix(np.ones((10, 4))), np.arange(10) % 2, TypeError, "Sparse data"),
        (np.ones((10, 4)), np.linspace(0, 1, 10), ValueError, "Unknown label type"),
        (np.ones((10, 4)), np.zeros(10), ValueError, "at least 2 classes"),
        (np.ones((10, 4)), None, ValueError, "requires y to be passed"),
        (np.ones((10, 4)), np.arange(9) % 2, ValueError, "inconsistent numbers"),
        (np.full((10, 4), "a"), np.arange(10) % 2, ValueError, "convert string"),
        (np.ones((10, 4), complex), np.arange(10) % 2, ValueError, "Complex data"),
        (np.ones(10), np.arange(10) % 2, ValueError, "Expected 2D array"),
        (np.ones((10, 4)), np.ones((10, 2)), ValueError, "y should be a 1d array"),
    ],
    ids=[
        *("nan", "inf", "empty", "sparse", "continuous", "one-class", "no-y"),
        *("lengths", "strings", "complex", "1d-X", "2d-y"),
    ],
)
def test_bad_training_input(small, X, y, error, message):
    with pytest.raises(error, match=message):
        small.fit(X, y)
    assert not hasattr(small, "model_")


def test_bad_prediction_input(small):
    X, y = _blobs()
    with pytest.raises(NotFittedError):
        small.predict(X)
    small.fit(X, y)
    with pytest.raises(ValueError, match="X has 10 features, but .* is expecting 16"):
        small.predict(np.ones((3, 10)))
    with pytest.raises(ValueError, match="NaN"):
        small.predict_proba(np.full((3, 16), np.nan))


def test_interrupted_fit_leaves_estimator_unfitted(small):
    X, y = _blobs()

    class Boom(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            raise RuntimeError("boom")

    est = clone(small).set_params(callbacks=[Boom()])
    with pytest.raises(RuntimeError, match="boom"):
        est.fit(X, y)
    with pytest.raises(NotFittedError):
        est.predict(X)
    assert not [name for name in vars(est) if name.endswith("_")]


def _resident_mb() -> float:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


@pytest.mark.slow
@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="Linux only")
def test_many_fits_keep_memory_bounded():
    # A wide layer makes a leak of the weights visible: Keras' optimizer
    # used to keep about four times the weights (6.5 MB here) per fit, which
    # skfashion's optimizer setup avoids. 20 fits, as in a grid search.
    X = np.random.RandomState(0).rand(128, 784).astype(np.float32)
    y = np.arange(128) % 10
    resident = []
    for seed in range(20):
        ANNClassifier(
            hidden_layer_sizes=(2048,), epochs=1, batch_size=64, random_state=seed
        ).fit(X, y).predict(X[:3])
        gc.collect()
        resident.append(_resident_mb())
    # The resident size jitters by +-30 MB from fit to fit (allocator
    # arenas), so compare the medians of fits 6-10 and 16-20.
    growth = np.median(resident[15:]) - np.median(resident[5:10])
    # Measured (TensorFlow 2.21, Keras 3.15): about 12 MB, against about
    # 250 MB with the leak (27 MB a fit; +513 MB from the first fit to the
    # last, against +4 MB).
    assert growth < 32, f"memory grew {growth:.0f} MB over 10 fits: {resident}"


def test_ann_builds_and_uses_the_activation_it_is_given():
    # An ANNClassifier that ignored `activation` passed every other test:
    # its hidden layers must apply the function named, which changes the
    # predictions of a network otherwise the same (same seed, same data).
    rng = np.random.RandomState(0)
    y = np.arange(60) % 3
    X = rng.rand(60, 16).astype(np.float32) * 0.2 + y[:, None] * 0.4
    probas = {}
    for activation in ("relu", "tanh"):
        ann = ANNClassifier(
            hidden_layer_sizes=(16, 8),
            activation=activation,
            epochs=1,
            batch_size=32,
            random_state=0,
        ).fit(X, y)
        applied = [layer.get_config().get("activation") for layer in ann.model_.layers]
        hidden = [name for name in applied if name not in (None, "linear", "softmax")]
        assert hidden == [activation, activation], applied
        probas[activation] = ann.predict_proba(X)
    assert not np.allclose(probas["relu"], probas["tanh"], atol=1e-3)
