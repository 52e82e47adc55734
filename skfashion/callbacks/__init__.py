"""Keras callbacks that show a skfashion classifier's training in TensorBoard.

Give them to a classifier's ``callbacks``: each fit then writes to its own
run folder under the callbacks' ``log_dir``, named after the estimator, its
non-default parameters and the time, shared by all the callbacks of the fit.
See ``tensorboard --logdir runs``.
"""

from .feature_maps import FeatureMapLogger
from .projector import EmbeddingProjector
from .tensorboard import TensorBoard

__all__ = ["EmbeddingProjector", "FeatureMapLogger", "TensorBoard"]
