"""The gallery's modes: how much of the data the examples train on.

Not an example (the gallery leaves it out). A reader runs an example as it is
shown: all the data, the estimators' defaults. Two environment variables
shrink the work where the accuracy does not matter, and the examples read
them from here, in ``# sphinx_gallery_start_ignore`` blocks that the
rendered pages leave out:

- ``SKFASHION_EXAMPLES_QUICK=1``, the docs build: the first 3,000 training
  images, so that the gallery shows every figure within its time;
- ``SKFASHION_EXAMPLES_TEST=1``, ``tests/test_examples.py``: the first 300,
  and 2 epochs per network, which checks that an example runs, not how well
  it scores.
"""

import os

from sklearn.pipeline import Pipeline

QUICK = os.environ.get("SKFASHION_EXAMPLES_QUICK") == "1"
TINY = os.environ.get("SKFASHION_EXAMPLES_TEST") == "1"
# The training images an example keeps: None keeps them all.
N_TRAIN = 300 if TINY else 3000 if QUICK else None


def train_briefly(*estimators) -> None:
    """In the tests, 2 epochs for each classifier (or pipeline ending in one)."""
    if TINY:
        for estimator in estimators:
            step = estimator[-1] if isinstance(estimator, Pipeline) else estimator
            step.set_params(epochs=2)
