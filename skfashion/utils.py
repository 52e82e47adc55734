"""Helpers for checking skfashion's estimators against scikit-learn's API."""

from __future__ import annotations

from sklearn.base import BaseEstimator

from ._wrapper import KerasClassifierBase

__all__ = ["expected_failed_checks"]

# Each entry is a limit of the method or of scikeras, not a bug being hidden.
_KERAS_CLASSIFIER_XFAILS = {
    "check_estimator_tags_renamed": (
        "scikeras' BaseWrapper, a base class, still defines the legacy "
        "_more_tags; skfashion's own tags come from __sklearn_tags__"
    ),
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch gradient descent: weighting a sample by 2 is not the same "
        "as showing it twice (other batches, other number of steps)"
    ),
    "check_methods_sample_order_invariance": (
        "float32 matrix products round a row differently by its position in "
        "the batch (by 1 unit in the last place, about 3e-8)"
    ),
}


def expected_failed_checks(estimator: BaseEstimator) -> dict[str, str]:
    """The scikit-learn estimator checks that ``estimator`` is known to fail.

    Pass the result to :func:`sklearn.utils.estimator_checks.check_estimator`
    or :func:`~sklearn.utils.estimator_checks.parametrize_with_checks`, whose
    ``expected_failed_checks`` argument takes it as it is.

    Parameters
    ----------
    estimator : estimator instance
        A skfashion estimator (any other gets an empty dictionary).

    Returns
    -------
    expected_failed_checks : dict of str to str
        Check name to the reason it fails.

    Examples
    --------
    >>> from sklearn.utils.estimator_checks import check_estimator
    >>> from skfashion import ANNClassifier
    >>> from skfashion.utils import expected_failed_checks
    >>> est = ANNClassifier(epochs=5, random_state=0)
    >>> check_estimator(  # doctest: +SKIP
    ...     est, expected_failed_checks=expected_failed_checks(est)
    ... )
    """
    if isinstance(estimator, KerasClassifierBase):
        return dict(_KERAS_CLASSIFIER_XFAILS)
    return {}
