"""Scaling out: grid searches on worker processes and a Dask cluster, and
training under a tf.distribute strategy.

The same small search runs with ``n_jobs=1``, on 2 loky processes
(``n_jobs=2``) and on a ``LocalCluster`` of 2 Dask worker processes on
127.0.0.1; all three give the same scores. Workers limit TensorFlow's thread
pools with the ``TF_NUM_INTRAOP_THREADS`` and ``TF_NUM_INTEROP_THREADS``
environment variables, which TensorFlow reads when its runtime starts.
"""

import json
import logging
import os
import subprocess
import sys
import textwrap

import joblib
import keras
import numpy as np
import pytest
from joblib.externals.loky import get_reusable_executor
from numpy.testing import assert_array_equal
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline

from skfashion import ANNClassifier, MinMax255, fetch_fashion_mnist

TF_ONE_THREAD = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "1"}
SCORES = ["split0_test_score", "split1_test_score", "mean_test_score"]


@pytest.fixture(scope="module")
def images(fashion_home):
    X, y = fetch_fashion_mnist(data_home=fashion_home, return_X_y=True)
    return np.array(X[:300]), y[:300]


class PidLog(keras.callbacks.Callback):
    """Appends the id of the process that trains to a file."""

    def __init__(self, path):
        super().__init__()
        self.path = str(path)

    def on_train_begin(self, logs=None):
        with open(self.path, "a") as log:
            log.write(f"{os.getpid()}\n")


def _search(pid_log, n_jobs=None):
    # Without batch normalization: after 5 steps its moving averages are far
    # from the data, and a candidate scored 0.11, no better than guessing.
    ann = ANNClassifier(
        hidden_layer_sizes=(16,),
        batch_normalization=False,
        epochs=1,
        batch_size=32,
        random_state=0,
        callbacks=[PidLog(pid_log)],
    )
    pipeline = Pipeline([("scale", MinMax255()), ("ann", ann)])
    # refit=False: the refit runs in this process, whatever the backend.
    grid = {"ann__learning_rate": [1e-2, 3e-2]}
    return GridSearchCV(pipeline, grid, cv=2, n_jobs=n_jobs, refit=False)


def _pids(pid_log):
    return [int(line) for line in pid_log.read_text().split()]


@pytest.fixture(scope="module")
def one_process(images, tmp_path_factory):
    pid_log = tmp_path_factory.mktemp("one_process") / "pids"
    results = _search(pid_log, n_jobs=1).fit(*images).cv_results_
    assert _pids(pid_log) == [os.getpid()] * 4  # 2 candidates x 2 folds
    return results


def _assert_same_scores(results, reference):
    for key in SCORES:
        assert_array_equal(results[key], reference[key], err_msg=key)
    # Not a degenerate search: the candidates beat guessing (0.1), differently
    # (random_state 0-2: 0.19-0.36).
    assert reference["mean_test_score"].min() > 0.15
    assert len(set(reference["mean_test_score"])) == 2


def _tensorflow_threads():
    """In a worker: its TF_NUM_* variables, once TensorFlow's runtime runs."""
    import tensorflow as tf

    tf.reduce_sum(tf.ones((4, 4))).numpy()  # the runtime and its pools exist
    return {name: os.environ.get(name) for name in TF_ONE_THREAD}


def _assert_limited(reports):
    # The variables reach TensorFlow in every worker. Counting TensorFlow's
    # threads does not tell the pools' sizes: with both variables at 1, plain
    # Keras shows 2 threads named tf_Compute after one fit, 3 in a Dask worker.
    for report in reports:
        assert report == TF_ONE_THREAD, report


@pytest.mark.slow
def test_grid_search_on_two_processes(images, one_process, monkeypatch, tmp_path):
    # loky's workers inherit this process' environment when they start; a
    # pool started earlier, without the variables, must go first.
    get_reusable_executor().shutdown(wait=True)
    for name, value in TF_ONE_THREAD.items():
        monkeypatch.setenv(name, value)
    try:
        results = _search(tmp_path / "pids", n_jobs=2).fit(*images).cv_results_
        reports = joblib.Parallel(n_jobs=2)(
            joblib.delayed(_tensorflow_threads)() for _ in range(2)
        )
    finally:
        get_reusable_executor().shutdown(wait=True)  # their memory back
    _assert_same_scores(results, one_process)
    _assert_limited(reports)
    pids = _pids(tmp_path / "pids")
    assert len(pids) == 4 and os.getpid() not in pids
    assert len(set(pids)) <= 2


@pytest.mark.slow
def test_grid_search_on_a_dask_cluster(images, one_process, tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            env=TF_ONE_THREAD,
            silence_logs=logging.ERROR,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with joblib.parallel_backend("dask"):
            results = _search(tmp_path / "pids").fit(*images).cv_results_
        reports = client.run(_tensorflow_threads)  # worker address -> report
        worker_pids = set(client.run(os.getpid).values())
    _assert_same_scores(results, one_process)
    assert len(reports) == 2 and len(worker_pids) == 2
    _assert_limited(reports.values())
    pids = _pids(tmp_path / "pids")
    assert len(pids) == 4 and set(pids) <= worker_pids


STRATEGY_SCRIPT = textwrap.dedent(
    """
    import json, sys
    import numpy as np
    import tensorflow as tf

    # Two logical devices on the one CPU; possible only before TF uses it.
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration()] * 2
    )
    strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])

    from tensorflow.python.distribute.values import MirroredVariable
    from skfashion import ANNClassifier, CNNClassifier

    data = np.load(sys.argv[1])
    X, y, X_test, y_test = data["X"], data["y"], data["X_test"], data["y_test"]
    # Plain SGD: its steps scale with the gradients, so gradients summed
    # instead of averaged over the 2 replicas (or not reduced) would show.
    params = dict(
        hidden_layer_sizes=(32,), dropout=0, batch_normalization=False,
        optimizer="sgd", learning_rate=0.1, epochs=2, batch_size=64,
        shuffle=False, random_state=0,
    )
    cnn_params = dict(
        filters=(8,), dense_units=(16,), dropout=0.2, epochs=3, batch_size=32,
        random_state=0,
    )
    with strategy.scope():
        ann = ANNClassifier(**params).fit(X, y)
        cnn = CNNClassifier(**cnn_params).fit(X, y)
        score_in_scope = ann.score(X_test, y_test)
    one_device = ANNClassifier(**params).fit(X, y)
    one_device_cnn = CNNClassifier(**cnn_params).fit(X, y)
    weights = list(zip(ann.model_.get_weights(), one_device.model_.get_weights()))
    variables = [w.value for m in (ann.model_, cnn.model_) for w in m.weights]
    print(json.dumps({
        "replicas": strategy.num_replicas_in_sync,
        "mirrored": [isinstance(v, MirroredVariable) for v in variables],
        "single_mirrored": any(
            isinstance(w.value, MirroredVariable) for w in one_device.model_.weights
        ),
        "same_strategy": ann.model_.distribute_strategy is strategy,
        "weight_difference": max(float(np.abs(a - b).max()) for a, b in weights),
        "weight_scale": max(float(np.abs(b).max()) for _, b in weights),
        "ann_score": ann.score(X_test, y_test),
        "ann_score_in_scope": score_in_scope,
        "one_device_score": one_device.score(X_test, y_test),
        "cnn_score": cnn.score(X_test, y_test),
        "one_device_cnn_score": one_device_cnn.score(X_test, y_test),
        "cnn_proba_rows": int(cnn.predict_proba(X_test).shape[0]),
    }))
    """
)


@pytest.mark.slow
def test_training_under_a_distribution_strategy(fashion_home, tmp_path):
    X, y = fetch_fashion_mnist(subset="test", data_home=fashion_home, return_X_y=True)
    data = tmp_path / "data.npz"
    np.savez(
        data,
        X=X[:800] / 255.0,
        y=y[:800],
        X_test=X[800:1000] / 255.0,
        y_test=y[800:1000],
    )
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    run = subprocess.run(
        [sys.executable, "-c", STRATEGY_SCRIPT, str(data)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    report = json.loads(run.stdout.strip().splitlines()[-1])
    assert report["replicas"] == 2
    # The networks built in the scope live on both devices.
    assert all(report["mirrored"]) and not report["single_mirrored"]
    assert report["same_strategy"]
    # The optimizer reduced the replicas' gradients as one device would: the
    # same weights to float32 rounding after 26 steps of SGD.
    assert report["weight_difference"] < 1e-5 * report["weight_scale"]
    assert report["ann_score"] == report["ann_score_in_scope"]
    assert report["ann_score"] == report["one_device_score"] > 0.5
    # The CNN learns in the scope (chance is 0.1) about as well as on one
    # device; batch normalization sees half batches, so not identically.
    assert report["cnn_score"] > 0.3 and report["cnn_proba_rows"] == 200
    assert abs(report["cnn_score"] - report["one_device_cnn_score"]) < 0.1
