"""Helpers: scikit-learn's estimator checks, and the versions skfashion runs on."""

from __future__ import annotations

import platform
from importlib.metadata import PackageNotFoundError, version

from sklearn.base import BaseEstimator

from ._estimator import KerasClassifierBase
from ._layer_transformer import LayerTransformer

__all__ = ["expected_failed_checks", "library_versions"]

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
# Its network's forward pass, the same as the classifiers' predict_proba.
_LAYER_TRANSFORMER_XFAILS = {
    "check_methods_sample_order_invariance": _KERAS_CLASSIFIER_XFAILS[
        "check_methods_sample_order_invariance"
    ],
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

    See Also
    --------
    sklearn.utils.estimator_checks.check_estimator : Run the checks.
    sklearn.utils.estimator_checks.parametrize_with_checks : Run them as
        pytest tests.

    Examples
    --------
    >>> from skfashion import ANNClassifier
    >>> from skfashion.utils import expected_failed_checks
    >>> for name in sorted(expected_failed_checks(ANNClassifier())):
    ...     print(name)
    check_estimator_tags_renamed
    check_methods_sample_order_invariance
    check_sample_weight_equivalence_on_dense_data

    Running the checks trains dozens of networks, which takes minutes, so
    this line is skipped here:

    >>> from sklearn.utils.estimator_checks import check_estimator
    >>> est = ANNClassifier(epochs=5, random_state=0)
    >>> check_estimator(  # doctest: +SKIP
    ...     est, expected_failed_checks=expected_failed_checks(est)
    ... )
    """
    if isinstance(estimator, KerasClassifierBase):
        return dict(_KERAS_CLASSIFIER_XFAILS)
    if isinstance(estimator, LayerTransformer):
        return dict(_LAYER_TRANSFORMER_XFAILS)
    return {}


# The libraries skfashion imports, in the order library_versions lists them.
_LIBRARIES = (
    "skfashion",
    "numpy",
    "scikit-learn",
    "scikeras",
    "keras",
    "tensorflow",
    "tensorboard",
    "matplotlib",
    "pillow",
)


def library_versions() -> dict[str, str]:
    """The versions of Python, skfashion and the libraries it runs on.

    ``skfashion train`` records them in each model's ``metrics.json`` and
    :func:`skfashion.save_model` in ``estimator.json``; ``skfashion info``
    prints them. Include them in a bug report.

    Returns
    -------
    versions : dict of str to str
        ``"python"``, then each distribution's name (``"skfashion"``,
        ``"numpy"``, ``"scikit-learn"``, ``"scikeras"``, ``"keras"``,
        ``"tensorflow"``, ``"tensorboard"``, ``"matplotlib"``,
        ``"pillow"``) to its installed version, or ``"not installed"``.

    See Also
    --------
    sklearn.show_versions : The same report, for scikit-learn.

    Examples
    --------
    >>> from skfashion.utils import library_versions
    >>> versions = library_versions()
    >>> list(versions)[:3]
    ['python', 'skfashion', 'numpy']
    """
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = version(name)
        except PackageNotFoundError:
            versions[name] = "not installed"
    return versions
