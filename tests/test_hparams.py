"""TensorBoard's HParams tab: a grid search read back by the plugin's own backend.

The HParams tab asks TensorBoard's server for the experiment (the
hyperparameters, their domains, the metrics) and the session groups (one per
set of values, with its sessions' metrics and statuses). These tests ask the
same routes of TensorBoard's ``HParamsPlugin``, served over an
``EventMultiplexer`` on the log folder as ``tensorboard --logdir`` does, and
compare the answers with the search's candidates and the fits' ``history_``.
"""

import json
from types import SimpleNamespace

import keras
import numpy as np
import pytest
from conftest import tensorboard_context
from numpy.testing import assert_allclose
from sklearn.model_selection import GridSearchCV

from skfashion import ANNClassifier, run_training
from skfashion.callbacks import TensorBoard
from skfashion.callbacks._hparams import hparam_value

GRID = {"hidden_layer_sizes": [(4,), (3, 2)], "dropout": [0.0, 0.5]}
QUIET = {"histogram_freq": 0, "write_graph": False}
ALL_STATUSES = ["STATUS_UNKNOWN", "STATUS_SUCCESS", "STATUS_FAILURE", "STATUS_RUNNING"]
# history_ key -> the HParams metric (group = the run below the session, tag).
METRICS = {
    "loss": ("train", "epoch_loss"),
    "accuracy": ("train", "epoch_accuracy"),
    "val_loss": ("validation", "epoch_loss"),
    "val_accuracy": ("validation", "epoch_accuracy"),
}


@pytest.fixture(scope="module")
def data():
    """60 rows of 784 random pixels, 3 classes."""
    rng = np.random.default_rng(0)
    return rng.random((60, 784), dtype=np.float32), np.arange(60) % 3


def tiny_ann(callback) -> ANNClassifier:
    return ANNClassifier(
        hidden_layer_sizes=(4,),
        epochs=2,
        batch_size=16,
        validation_split=0.25,
        random_state=0,
        callbacks=[callback],
    )


@pytest.fixture(scope="module")
def search(data, tmp_path_factory):
    """4 candidates x 2 folds, each fit's history_ recorded by the scorer."""
    log_dir = tmp_path_factory.mktemp("runs")
    fits = []

    def score(estimator, X, y):  # called once per fit, on its test fold
        params = estimator.get_params(deep=False)
        fits.append(({name: params[name] for name in GRID}, estimator.history_))
        return estimator.score(X, y)

    estimator = tiny_ann(TensorBoard(log_dir, **QUIET))
    GridSearchCV(estimator, GRID, cv=2, refit=False, scoring=score).fit(*data)
    return SimpleNamespace(log_dir=log_dir, estimator=estimator, fits=fits)


def hparams_tab(log_dir):
    """The HParams tab's view of ``log_dir``: (experiment, session groups).

    Both as JSON, as the plugin sends them to the browser.
    """
    from tensorboard.plugins.hparams import hparams_plugin
    from werkzeug.test import Client

    context = tensorboard_context(log_dir)
    apps = hparams_plugin.HParamsPlugin(context).get_plugin_apps()

    def post(route, request):
        response = Client(apps[route]).post(route, data=json.dumps(request))
        assert response.status_code == 200, response.data
        return json.loads(response.data)

    experiment = post("/experiment", {"experimentName": ""})
    groups = post(
        "/session_groups",
        {"allowedStatuses": ALL_STATUSES, "startIndex": 0, "sliceSize": 1000},
    )
    return experiment, groups


def expected_hparams(estimator, candidate) -> dict:
    """The parameters as the HParams tab should show them, written out."""
    params = {**estimator.get_params(deep=False), **candidate}
    del params["callbacks"], params["verbose"]
    return {
        name: "None" if value is None else str(value) if type(value) is tuple else value
        for name, value in params.items()
    }


def metric_values(session) -> dict:
    return {
        (metric["name"].get("group", ""), metric["name"]["tag"]): metric
        for metric in session["metricValues"]
    }


# ---------------------------------------------------------------- the search
def test_experiment_infers_the_domains_and_metrics(search):
    experiment, _ = hparams_tab(search.log_dir)
    infos = {info["name"]: info for info in experiment["hparamInfos"]}
    assert set(infos) == set(expected_hparams(search.estimator, {}))
    # A tuple is text: its domain is the grid's values exactly.
    sizes = infos["hidden_layer_sizes"]
    assert sizes["type"] == "DATA_TYPE_STRING" and sizes["differs"]
    assert sorted(sizes["domainDiscrete"]) == ["(3, 2)", "(4,)"]
    # A number: the interval the grid spans.
    dropout = infos["dropout"]
    assert dropout["type"] == "DATA_TYPE_FLOAT64" and dropout["differs"]
    assert dropout["domainInterval"] == {"minValue": 0.0, "maxValue": 0.5}
    # Parameters no fit changed are listed, as not differing.
    assert infos["epochs"]["domainInterval"] == {"minValue": 2.0, "maxValue": 2.0}
    assert not infos["epochs"].get("differs", False)
    assert infos["optimizer"]["domainDiscrete"] == ["adamw"]
    assert infos["batch_normalization"]["domainDiscrete"] == [True]
    assert infos["early_stopping"]["domainDiscrete"] == ["None"]

    metrics = {
        (m["name"]["group"], m["name"]["tag"]) for m in experiment["metricInfos"]
    }
    assert metrics == {*METRICS.values(), ("train", "epoch_learning_rate")}


def test_eight_sessions_with_their_parameters_metrics_and_status(search):
    _, response = hparams_tab(search.log_dir)
    groups = response["sessionGroups"]
    assert response["totalSize"] == len(groups) == 4  # a group per candidate
    sessions = [session for group in groups for session in group["sessions"]]
    assert len(sessions) == 8
    # A session per run folder: the fits' folders, the parents of train/.
    assert sorted(s["name"] for s in sessions) == sorted(
        run.name for run in search.log_dir.iterdir()
    )
    assert all(s["status"] == "STATUS_SUCCESS" for s in sessions)
    assert all(s["endTimeSecs"] >= s["startTimeSecs"] > 0 for s in sessions)

    candidates = [
        {"hidden_layer_sizes": sizes, "dropout": dropout}
        for sizes in GRID["hidden_layer_sizes"]
        for dropout in GRID["dropout"]
    ]
    unmatched = list(search.fits)
    for candidate in candidates:
        expected = expected_hparams(search.estimator, candidate)
        (group,) = [g for g in groups if g["hparams"] == expected]
        assert len(group["sessions"]) == 2  # the two folds
        for session in group["sessions"]:
            values = metric_values(session)
            # Each session's metrics are one fit's last epoch, of this candidate.
            (fit,) = [
                fit
                for fit in unmatched
                if fit[0] == candidate
                and all(
                    np.isclose(values[metric]["value"], history[-1], rtol=1e-6)
                    for key, history in fit[1].items()
                    if (metric := METRICS.get(key))
                )
            ]
            unmatched.remove(fit)
            assert all(values[m]["trainingStep"] == 2 for m in METRICS.values())
    assert unmatched == []


# -------------------------------------------------------- one fit at a time
def test_hparams_false_writes_no_session(data, tmp_path):
    estimator = tiny_ann(TensorBoard(tmp_path, hparams=False, **QUIET))
    estimator.fit(*data)
    (run,) = tmp_path.iterdir()
    # Nothing in the run folder itself: train/ and validation/ only.
    assert sorted(path.name for path in run.iterdir()) == ["train", "validation"]
    experiment, groups = hparams_tab(tmp_path)
    assert experiment["hparamInfos"] == experiment["metricInfos"] == []
    assert groups["sessionGroups"] == []


class _Failing(keras.callbacks.Callback):
    def on_epoch_end(self, epoch, logs=None):
        raise RuntimeError("failed on purpose")


def test_a_failed_fit_is_a_failed_session(data, tmp_path):
    estimator = tiny_ann(TensorBoard(tmp_path, **QUIET))
    estimator.callbacks.append(_Failing())
    with pytest.raises(RuntimeError, match="on purpose"):
        estimator.fit(*data)
    _, groups = hparams_tab(tmp_path)
    ((session,),) = [group["sessions"] for group in groups["sessionGroups"]]
    assert session["status"] == "STATUS_FAILURE"
    # The epoch that ended before the failure is there.
    assert metric_values(session)[("train", "epoch_loss")]["trainingStep"] == 1


def test_continued_training_is_one_session(data, tmp_path):
    estimator = tiny_ann(TensorBoard(tmp_path, **QUIET)).set_params(
        validation_split=0.0
    )
    estimator.partial_fit(*data, classes=np.arange(3))
    estimator.partial_fit(*data)
    _, groups = hparams_tab(tmp_path)
    ((session,),) = [group["sessions"] for group in groups["sessionGroups"]]
    loss = metric_values(session)[("train", "epoch_loss")]
    assert loss["trainingStep"] == 2
    assert_allclose(loss["value"], estimator.history_["loss"][-1], rtol=1e-6)


def test_the_cli_run_is_a_session(data, tmp_path):
    X, y = data
    pixels = (X * 255).astype(np.uint8)
    run_training(
        tmp_path / "run",
        model="ann",
        train=(pixels, y),
        test=(pixels[:10], y[:10]),
        params={"epochs": 1, "hidden_layer_sizes": (8,), "verbose": 0},
        progress=lambda event, message: None,
    )
    # What "tensorboard --logdir OUTPUT_DIR" shows, as the CLI says.
    _, groups = hparams_tab(tmp_path / "run")
    ((session,),) = [group["sessions"] for group in groups["sessionGroups"]]
    (group,) = groups["sessionGroups"]
    assert session["name"].startswith("ann/tensorboard/ANNClassifier-")
    assert session["status"] == "STATUS_SUCCESS"
    assert group["hparams"]["hidden_layer_sizes"] == "(8,)"
    assert group["hparams"]["epochs"] == 1
    assert ("train", "epoch_accuracy") in metric_values(session)


# -------------------------------------------------------------------- values
class _Thing:
    pass


def _build():
    pass


@pytest.mark.parametrize(
    "value, expected",
    [
        (True, True),
        (np.bool_(False), False),
        (3, 3),
        (np.int64(3), 3),
        (0.25, 0.25),
        (np.float32(0.5), 0.5),
        ("adamw", "adamw"),
        (None, "None"),
        ((16, 64), "(16, 64)"),
        ((np.int64(16),), "(16,)"),
        ([8, 8], "[8, 8]"),
        ({0: 2.0, 1: None}, "{0: 2.0, 1: None}"),
        (keras.optimizers.SGD, "SGD"),
        (keras.optimizers.SGD(), "SGD"),
        (_build, "_build"),
        (np.random.RandomState(0), "RandomState"),
        ((1, _Thing(), "a"), "(1, _Thing, 'a')"),
    ],
)
def test_hparam_value(value, expected):
    converted = hparam_value(value)
    assert converted == expected and type(converted) is type(expected)
