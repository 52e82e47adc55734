"""Training curves, learning rate and weight histograms for TensorBoard."""

from __future__ import annotations

import os
import time
import warnings
from numbers import Integral

import keras

from .._param_validation import Interval, StrOptions, check_parameters
from .._wrapper import keras_graph_metadata
from ._base import FitContextCallback
from ._hparams import hparams_of, write_session_end, write_session_start

__all__ = ["TensorBoard"]


class TensorBoard(FitContextCallback):
    """Log a fit to TensorBoard: losses, accuracies, learning rate, weights.

    Each fit of a skfashion classifier writes to its own run folder under
    ``log_dir``, named after the estimator, its non-default parameters and
    the time the fit started, so fits never overwrite each other and a grid
    search shows one run per fit. As in Keras, a run folder holds the
    ``train`` and ``validation`` runs:

    - ``epoch_loss`` and ``epoch_accuracy`` (also under ``validation`` with a
      ``validation_split``) and ``epoch_learning_rate``, once per epoch;
    - ``batch_loss`` and ``batch_accuracy`` every ``update_freq`` batches,
      if that is not ``"epoch"``;
    - one histogram per weight, tagged by the weight's full path (for
      example ``conv1/kernel`` and ``dense_1/kernel``), at the start and
      every ``histogram_freq`` epochs;
    - the network's conceptual graph and the estimator's parameters;
    - with ``hparams``, the fit as a session of TensorBoard's HParams tab,
      in the run folder itself: the estimator's parameters
      (``get_params(deep=False)``, routed ones included, without
      ``callbacks`` and ``verbose``) at the start, and whether training
      succeeded at the end. The tab's table and parallel-coordinates view
      then show each fit of a grid search with its parameters and, as its
      metrics, the last values of its scalars: ``epoch_loss`` and
      ``epoch_accuracy`` of ``train`` (and ``validation``),
      ``epoch_learning_rate``. The folds of one candidate form one group.

    Steps count completed epochs: the first epoch's results are at step 1,
    the initial weights at step 0. Batch steps count batches since the start
    of training. Training continued with ``warm_start`` or ``partial_fit``
    goes on in the same run, at the following steps, and in the same HParams
    session, whose status is that of the first fit.

    The callback holds only its parameters; its writers exist from the start
    to the end of a fit. Used directly in ``keras.Model.fit``, it writes into
    ``log_dir`` itself.

    Parameters
    ----------
    log_dir : str or path-like, default="runs"
        The folder under which each fit makes its run folder (shared with the
        other skfashion callbacks of the same fit). Point TensorBoard at it:
        ``tensorboard --logdir runs``.
    histogram_freq : int, default=1
        Log the weight histograms every this many epochs; 0 never does.
    write_graph : bool, default=True
        Log the network's layers for TensorBoard's Graphs tab (its
        "conceptual graph").
    update_freq : "epoch", "batch" or int, default="epoch"
        Log losses and accuracies per epoch only, or also every batch
        (``"batch"``) or every this many batches.
    hparams : bool, default=True
        Log the fit for TensorBoard's HParams tab: the estimator's
        parameters, as numbers, bools or text (tuples as ``"(16, 64)"``,
        None as ``"None"``, classes and other objects by their name), and
        the end status. Only with a skfashion classifier: used directly in
        ``keras.Model.fit``, the callback has no parameters to log.

    See Also
    --------
    EmbeddingProjector : The network's outputs for probe images, in
        TensorBoard's Projector.
    keras.callbacks.TensorBoard : Keras' own, which writes every fit into
        the same ``log_dir``.

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skfashion import CNNClassifier
    >>> from skfashion.callbacks import TensorBoard
    >>> rng = np.random.default_rng(0)
    >>> X, y = rng.random((60, 784)), np.arange(60) % 3
    >>> model = CNNClassifier(
    ...     epochs=1, validation_split=0.1, callbacks=[TensorBoard("runs")]
    ... ).fit(X, y)
    >>> [run] = Path("runs").iterdir()  # one run folder per fit
    >>> run.name.startswith("CNNClassifier-")
    True
    >>> sorted(path.name for path in run.iterdir() if path.is_dir())
    ['train', 'validation']

    Then run ``tensorboard --logdir runs``.
    """

    _runtime = (
        *FitContextCallback._runtime,
        "_summary",
        "_writers",
        "_epoch",
        "_steps_per_epoch",
        "_batches",
        "_batch_freq",
        "_start_time",
        "_session_started",
        "_succeeded",
    )

    _parameter_constraints: dict = {
        "log_dir": [str, os.PathLike],
        "histogram_freq": [Interval(Integral, 0, None, closed="left")],
        "write_graph": ["boolean"],
        "update_freq": [
            StrOptions(["epoch", "batch"]),
            Interval(Integral, 1, None, closed="left"),
        ],
        "hparams": ["boolean"],
    }

    def __init__(
        self,
        log_dir="runs",
        histogram_freq=1,
        write_graph=True,
        update_freq="epoch",
        hparams=True,
    ):
        super().__init__()
        self.log_dir = log_dir
        self.histogram_freq = histogram_freq
        self.write_graph = write_graph
        self.update_freq = update_freq
        self.hparams = hparams

    def _batch_freq_of(self) -> int | None:
        """Log losses every this many batches; None for once per epoch."""
        if self.update_freq == "epoch":
            return None
        return 1 if self.update_freq == "batch" else int(self.update_freq)

    # -------------------------------------------------------------- training
    def on_train_begin(self, logs=None):
        check_parameters(self)
        self._batch_freq = self._batch_freq_of()
        # Imported here: tf.summary loads TensorBoard's protocol buffers,
        # which a fit without this callback does not need.
        import tensorflow as tf

        self._summary = tf.summary
        run = self._run_dir()
        # The validation writer is made only if there are validation results,
        # so that a fit without them has no empty validation run.
        self._writers = {"train": tf.summary.create_file_writer(str(run / "train"))}
        self._epoch = None
        self._steps_per_epoch = (self.params or {}).get("steps")
        self._batches = 0
        self._start_time = time.time()
        self._session_started = False
        self._succeeded = False

    def on_epoch_begin(self, epoch, logs=None):
        if self._epoch is None and epoch == 0:
            # Only at the very start, not when training is continued: the
            # earlier fit has logged this run's step 0 already.
            self._log_start()
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        self._batches += 1
        if self._batch_freq is None or not logs:
            return
        if self._steps_per_epoch:
            step = self._epoch * self._steps_per_epoch + batch + 1
        else:  # a data set of unknown length: count from this fit's start
            step = self._batches
        if step % self._batch_freq == 0:
            with self._writers["train"].as_default(step=step):
                for name, value in logs.items():
                    self._summary.scalar(f"batch_{name}", value)

    def on_epoch_end(self, epoch, logs=None):
        step = epoch + 1
        logs = dict(logs or {})
        train = {k: v for k, v in logs.items() if not k.startswith("val_")}
        validation = {k[4:]: v for k, v in logs.items() if k.startswith("val_")}
        learning_rate = _learning_rate(self.model)
        if learning_rate is not None:
            train["learning_rate"] = learning_rate
        self._scalars("train", train, step)
        if validation:
            self._scalars("validation", validation, step)
        if self.histogram_freq and step % self.histogram_freq == 0:
            self._histograms(step)
        # Flushed each epoch, so that TensorBoard shows it while training
        # goes on, and nothing of a finished epoch is lost if training fails.
        for writer in self._writers.values():
            writer.flush()

    def on_train_end(self, logs=None):
        self._succeeded = True
        super().on_train_end(logs)

    def _close(self) -> None:
        for writer in getattr(self, "_writers", {}).values():
            writer.close()
        self._writers = {}
        if getattr(self, "_session_started", False):
            # Once per session: the end of the fit that started it. A failed
            # fit (Keras then skips on_train_end) is a failed session.
            self._session_started = False
            write_session_end(self._run_dir(), succeeded=self._succeeded)

    # --------------------------------------------------------------- writing
    def _log_start(self):
        estimator = getattr(self, "_estimator", None)
        if self.hparams and estimator is not None:
            # The fit's run folder is the session: the parent of the train
            # and validation runs, whose scalars are its metrics. No
            # experiment config, so that TensorBoard infers the domains from
            # all the fits (why: _hparams.py's docstring).
            write_session_start(
                self._run_dir(), hparams_of(estimator), self._start_time
            )
            self._session_started = True
        with self._writers["train"].as_default(step=0):
            if self.histogram_freq:
                self._histograms(0)
            if self.write_graph:
                _write_model_graph(self._summary, self.model)
            if estimator is not None:
                # Indented by 4: Markdown code, one parameter per line.
                text = "    " + repr(estimator).replace("\n", "\n    ")
                self._summary.text("estimator", text)

    def _scalars(self, run: str, values: dict, step: int):
        if run not in self._writers:
            import tensorflow as tf

            directory = self._run_dir() / run
            self._writers[run] = tf.summary.create_file_writer(str(directory))
        with self._writers[run].as_default(step=step):
            for name, value in values.items():
                self._summary.scalar(f"epoch_{name}", value)

    def _histograms(self, step: int):
        with self._writers["train"].as_default(step=step):
            for weight in self.model.weights:
                # The full path ("conv1/kernel"): the short name ("kernel")
                # is the same for every layer, so the histograms would mix.
                if keras.backend.is_float_dtype(weight.dtype):
                    self._summary.histogram(weight.path, weight.value)


def _learning_rate(model) -> float | None:
    """The optimizer's current learning rate (a schedule's current value)."""
    optimizer = getattr(model, "optimizer", None)
    # A LossScaleOptimizer (mixed precision) wraps the one with the rate.
    optimizer = getattr(optimizer, "inner_optimizer", optimizer)
    if getattr(optimizer, "learning_rate", None) is None:
        return None
    # float(), not keras.ops.convert_to_numpy: a constant rate is a Keras
    # variable, whose conversion to NumPy warns under NumPy 2.
    return float(optimizer.learning_rate)


def _write_model_graph(summary, model) -> None:
    """The model's layers, for TensorBoard's "conceptual graph".

    What ``keras.callbacks.TensorBoard(write_graph=True)`` writes: the
    model's JSON, tagged ``keras``, for the ``graph_keras_model`` plugin.
    """
    try:
        config = model.to_json()
    except Exception as exc:  # a subclassed model without get_config
        warnings.warn(f"The model's graph is not logged: {exc}", stacklevel=2)
        return
    summary.write("keras", config, metadata=keras_graph_metadata())
