"""The one place that adapts scikeras to current scikit-learn and Keras 3.

scikeras 0.13 (its last release; its author no longer maintains it) predates
scikit-learn 1.6. Used as it is, ``KerasClassifier`` fails a quarter of
``check_estimator``, ``is_classifier`` is False (so ``cross_val_score`` does
not stratify), and ``random_state`` switches on TensorFlow's process-wide op
determinism. skfashion's classifiers therefore take from scikeras only what
its public surface offers and trains nothing through it:

- :class:`ScikerasClassifier` subclasses :class:`scikeras.wrappers.BaseWrapper`,
  so the classifiers are scikeras estimators (``isinstance`` checks hold)
  and keep scikeras' routed parameters: ``BaseWrapper.get_params`` and
  ``set_params`` accept and list ``optimizer__<name>``, ``model__<name>``,
  ``fit__<name>`` and ``predict__<name>`` (through its
  ``_get_param_names``, which lists the instance's attributes, and
  ``_routing_prefixes``), and ``current_epoch`` counts the epochs of
  ``history_``.
- Fitting, predicting and validation are skfashion's own
  (:mod:`skfashion._estimator`, :mod:`skfashion._fit_plan`): ``fit``,
  ``partial_fit``, ``initialize``, ``predict`` and ``predict_proba`` are
  public methods defined there, so no scikeras hook of the fit is called.

scikeras' private names that skfashion relies on, each pinned by
``tests/test_wrapper.py`` (a scikeras release that changes one fails there,
naming it), and the public API each stands in for:

========================================  ====================================
scikeras name                             stands in for
========================================  ====================================
``BaseWrapper._get_param_names``          scikit-learn's ``get_params``,
                                          extended to routed parameters
``BaseWrapper._routing_prefixes``         the prefixes ``set_params`` routes
========================================  ====================================

skfashion overrides none of scikeras' private methods. Besides them, this
module holds the other uses of private APIs: the tags shim for scikit-learn
1.6, the patch of one Keras optimizer instance
(:func:`without_single_replica_all_reduce`), and two of TensorBoard's
protocol buffers that its public summary API does not offer
(:func:`keras_graph_metadata`, :func:`hparams_session_end`). ruff's banned-API rule
(``TID251``) keeps private imports out of every other module, and
``tests/test_wrapper.py`` checks that no other module calls another
library's or another skfashion module's underscore names.
"""

from __future__ import annotations

import time

import keras
import tensorflow as tf
from scikeras.wrappers import BaseWrapper
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils import ClassifierTags

__all__ = [
    "ScikerasClassifier",
    "hparams_session_end",
    "keras_graph_metadata",
    "without_single_replica_all_reduce",
]


def without_single_replica_all_reduce(optimizer):
    """Skip the optimizer's gradient all-reduce when there is one replica.

    Keras' TensorFlow optimizer sums the gradients over the replicas with
    ``ReplicaContext.all_reduce`` even without a distribution strategy. In a
    traced train step that goes through ``tf.custom_gradient``, which
    registers a gradient function in TensorFlow's process-wide registry; the
    registry keeps the traced graph, and with it the captured variables,
    alive for ever. Every fit then leaks about four times the size of the
    network's weights (measured in tests/test_classifiers.py's memory test;
    TensorFlow issue 61791, keras-team/keras issue 17458). With a
    single replica the sum is the identity, so this optimizer instance (and
    no other: nothing in Keras is patched) returns the gradients unchanged.
    Private API: Keras has no public switch for this all-reduce; the public
    way, ``keras.optimizers.Optimizer.apply_gradients``, always does it.
    """
    if (
        keras.backend.backend() == "tensorflow"
        and hasattr(optimizer, "_all_reduce_sum_gradients")
        and tf.distribute.get_strategy().num_replicas_in_sync == 1
    ):
        optimizer._all_reduce_sum_gradients = _identity
    return optimizer


def _identity(grads_and_vars):
    return grads_and_vars


def keras_graph_metadata() -> bytes:
    """The summary metadata that tags a Keras model's JSON for TensorBoard.

    TensorBoard's ``graph_keras_model`` plugin shows a model written as a
    text summary with this metadata, as ``keras.callbacks.TensorBoard(
    write_graph=True)`` writes it. Private API: ``tf.summary`` has no public
    writer for it (Keras uses TensorFlow's private ``summary_ops_v2``), so
    the metadata is built from TensorBoard's ``SummaryMetadata`` protocol
    buffer.
    """
    from tensorboard.compat.proto.summary_pb2 import SummaryMetadata

    metadata = SummaryMetadata()
    metadata.plugin_data.plugin_name = "graph_keras_model"
    metadata.plugin_data.content = b"1"  # the plugin's format version
    return metadata.SerializeToString()


def hparams_session_end(*, succeeded: bool) -> bytes:
    """A serialized hparams session end: success or failure, and the time now.

    Private API: the public ``tensorboard.plugins.hparams.api`` writes a
    session's start but has no session end in its TF 2 form; this is how
    TensorBoard's own ``hp.KerasCallback`` writes it, with the hparams
    plugin's ``api_pb2`` status and its v1 ``summary.session_end_pb``.
    Write it with ``tf.summary.experimental.write_raw_pb``.
    """
    from tensorboard.plugins.hparams import api_pb2
    from tensorboard.plugins.hparams import summary as hparams_summary

    status = api_pb2.STATUS_SUCCESS if succeeded else api_pb2.STATUS_FAILURE
    return hparams_summary.session_end_pb(
        status, end_time_secs=time.time()
    ).SerializeToString()


class _ScikerasTags:
    """scikeras' legacy ``_more_tags``, restated as ``__sklearn_tags__``.

    Only scikit-learn 1.6 needs this. Seeing scikeras' ``_more_tags``, it
    merges the tags class by class, keeping of each ``__sklearn_tags__`` only
    what differs from the class before it; so skfashion's own tags, which
    undo scikeras' ``multioutput`` and ``poor_score``, must come right after
    a class that sets them, or they are lost.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.classifier_tags = ClassifierTags(poor_score=True)
        return tags


class ScikerasClassifier(ClassifierMixin, _ScikerasTags, BaseWrapper):
    """scikeras' ``BaseWrapper`` made current: the base of skfashion's classifiers.

    The classifier mixin comes *before* the base class (scikeras'
    ``KerasClassifier`` puts it after, so scikit-learn's tags say "not a
    classifier"), tags come from ``__sklearn_tags__`` (scikeras only has
    the removed ``_more_tags``), and the repr is scikit-learn's. The
    estimator built on it (:class:`skfashion._estimator.KerasClassifierBase`)
    defines ``__init__``, fitting and predicting.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = False
        tags.target_tags.single_output = True
        tags.classifier_tags.poor_score = False
        tags.classifier_tags.multi_label = False
        tags.input_tags.allow_nan = False
        tags.input_tags.sparse = False
        tags.non_deterministic = False  # given a random_state, on the CPU
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "model_")

    def __repr__(self, N_CHAR_MAX=700):
        # scikit-learn's repr (only non-default parameters), not scikeras'.
        return BaseEstimator.__repr__(self, N_CHAR_MAX)
