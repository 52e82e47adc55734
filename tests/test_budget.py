"""The training budget: "auto" epochs and batch size follow the data."""

import numpy as np
import pytest

from skfashion import ANNClassifier, CNNClassifier
from skfashion._fit_plan import training_budget

CNN_AUTO = CNNClassifier._auto_budget
ANN_AUTO = ANNClassifier._auto_budget


@pytest.mark.parametrize(
    "auto, n_train, batch_size, epochs",
    [
        # The CNN: batches of 64 and 15 epochs from a few thousand images on
        # (60,000: 938 steps an epoch, 14,070 in all, as before "auto").
        (CNN_AUTO, 60000, 64, 15),
        (CNN_AUTO, 10000, 64, 20),  # 157 steps an epoch: 3,000 in 20
        (CNN_AUTO, 3000, 64, 64),  # 47 steps an epoch
        (CNN_AUTO, 300, 18, 177),  # batches of 1/16: 17 steps an epoch
        (CNN_AUTO, 100, 16, 429),  # batches of 16 at least: 7 steps
        (CNN_AUTO, 5, 16, 3000),  # one step an epoch
        # The ANN: batches of 512 and 25 epochs on the 60,000 images.
        (ANN_AUTO, 60000, 512, 25),
        (ANN_AUTO, 10000, 512, 100),  # 20 steps an epoch: 2,000 in 100
        (ANN_AUTO, 3000, 187, 118),  # 17 steps an epoch
        (ANN_AUTO, 500, 31, 118),
    ],
)
def test_auto_budget_at_several_sizes(auto, n_train, batch_size, epochs):
    budget = training_budget(n_train, batch_size="auto", epochs="auto", auto=auto)
    assert (budget.batch_size, budget.epochs) == (batch_size, epochs)
    assert budget.steps_per_epoch == -(-n_train // batch_size)
    assert budget.schedule_steps == epochs * budget.steps_per_epoch
    assert budget.schedule_steps >= min(auto.min_steps, budget.schedule_steps)
    if epochs > auto.epochs:  # no more epochs than the steps need
        assert (epochs - 1) * budget.steps_per_epoch < auto.min_steps


def test_values_the_user_sets_keep_their_meaning():
    budget = training_budget(100, batch_size=64, epochs=3, auto=CNN_AUTO)
    assert (budget.batch_size, budget.epochs, budget.steps_per_epoch) == (64, 3, 2)
    assert budget.schedule_steps == 6
    # One given, the other "auto".
    assert (
        training_budget(100, batch_size=10, epochs="auto", auto=CNN_AUTO).epochs == 300
    )
    assert (
        training_budget(100, batch_size="auto", epochs=2, auto=CNN_AUTO).batch_size
        == 16
    )


def test_partial_fit_trains_one_epoch_and_its_schedule_spans_the_calls():
    budget = training_budget(
        300, batch_size=30, epochs=1, auto=CNN_AUTO, partial=True, schedule_epochs=8
    )
    assert (budget.epochs, budget.steps_per_epoch, budget.schedule_steps) == (1, 10, 80)


def _blobs(n, n_features=16):
    rng = np.random.RandomState(0)
    y = np.arange(n) % 3
    return rng.rand(n, n_features).astype(np.float32) * 0.2 + y[:, None] * 0.4, y


def test_a_fit_reports_what_it_trained_and_its_schedule_spans_it():
    X, y = _blobs(40)
    est = ANNClassifier(hidden_layer_sizes=(8,), random_state=0).fit(X, y)
    # 40 rows: batches of 16, 3 steps an epoch, 2,000 steps in 667 epochs.
    assert (est.batch_size_, est.n_iter_, est.n_steps_) == (16, 667, 2001)
    assert est.t_ == 667 * 40 == len(est.history_["loss"]) * 40
    schedule = est.model_.optimizer.get_config()["learning_rate"]
    assert schedule["config"]["decay_steps"] == 2001

    warm = ANNClassifier(
        hidden_layer_sizes=(8,), epochs=2, batch_size=8, warm_start=True
    ).fit(X, y)
    warm.fit(X[:24], y[:24])
    assert (warm.n_iter_, warm.n_steps_, warm.t_) == (4, 2 * 5 + 2 * 3, 2 * 40 + 2 * 24)
    assert warm.batch_size_ == 8

    early = ANNClassifier(
        hidden_layer_sizes=(8,),
        epochs=50,
        batch_size=8,
        early_stopping=1,
        learning_rate=0.05,
        random_state=0,
    ).fit(X, y)
    assert early.n_iter_ == len(early.history_["loss"]) < 50
    assert early.n_steps_ == early.n_iter_ * 5


def test_the_triangular_schedule_spans_the_fit():
    from skfashion._schedules import Triangular

    schedule = Triangular(0.1, total_steps=100)
    rates = [float(schedule(step)) for step in (0, 10, 20, 60, 100, 150)]
    assert rates == pytest.approx([0.0, 0.05, 0.1, 0.05, 0.0, 0.0])
    X, y = _blobs(40)
    est = ANNClassifier(
        hidden_layer_sizes=(8,), epochs=3, batch_size=10, lr_schedule="triangular"
    ).fit(X, y)
    config = est.model_.optimizer.get_config()["learning_rate"]["config"]
    assert config["total_steps"] == est.n_steps_ == 12
