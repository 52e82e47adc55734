"""scikit-learn's estimator checks on every skfashion estimator."""

import numpy as np
from sklearn.utils.estimator_checks import parametrize_with_checks

from skfashion import ANNClassifier, CNNClassifier, LayerTransformer, MinMax255
from skfashion.utils import expected_failed_checks

# Small networks and few epochs: the checks fit on toy data of 1-20 features.
ESTIMATORS = [
    MinMax255(),
    MinMax255(dtype=np.float64, clip=True),
    ANNClassifier(
        hidden_layer_sizes=(32,),
        epochs=5,
        batch_size=16,
        learning_rate=0.02,
        random_state=0,
    ),
    CNNClassifier(
        filters=(8,),
        dense_units=(16,),
        epochs=5,
        batch_size=16,
        learning_rate=0.02,
        random_state=0,
    ),
    # The transformer's code is the same for both networks: one stands for both.
    LayerTransformer(
        ANNClassifier(
            hidden_layer_sizes=(32,),
            epochs=5,
            batch_size=16,
            learning_rate=0.02,
            random_state=0,
        )
    ),
]


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def test_expected_failures_are_few_and_explained():
    for estimator in ESTIMATORS:
        failures = expected_failed_checks(estimator)
        assert len(failures) <= 3
        assert all(reason.strip() for reason in failures.values())
    assert expected_failed_checks(MinMax255()) == {}
