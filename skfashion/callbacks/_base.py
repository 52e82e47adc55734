"""What skfashion's callbacks share, and how a classifier talks to them.

The fit-context protocol
------------------------
A skfashion classifier copies its ``callbacks`` at the start of every fit.
On each copy that has them, it then calls:

``set_fit_context(estimator, X, y, *, run_id)``
    before training, with the classifier being fitted, the ``X`` and ``y``
    given to its ``fit`` (or ``partial_fit``), as they were given (not
    validated yet, possibly images of shape (n, h, w) or a DataFrame), and
    the fit's run id: the time the fit started and random digits, the same
    for every callback of the fit and kept while training continues
    (``warm_start``, ``partial_fit``). :func:`._run.run_name` turns it into
    the name of the fit's run folder under ``log_dir``. The classifier's
    fitted attributes (``classes_``, ``n_features_in_``, the model) exist
    from ``on_train_begin`` on, not yet here.

``clear_fit_context()``
    after training, whether it succeeded or failed, so that writers opened
    in ``on_train_begin`` are closed even when Keras never reaches
    ``on_train_end`` (an exception, a keyboard interrupt).

Callbacks outside skfashion need neither method; a skfashion callback used
directly in ``keras.Model.fit`` gets no context and writes into ``log_dir``
itself, as Keras' callbacks do.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import keras

from ._run import run_name, same_value

__all__ = ["FitContextCallback"]


class FitContextCallback(keras.callbacks.Callback):
    """A Keras callback of plain parameters, with runtime state per fit.

    Subclasses store their ``__init__`` arguments as attributes of the same
    names (as scikit-learn estimators do), create what they write with in
    ``on_train_begin``, close it in ``_close`` and list every runtime
    attribute in ``_runtime``. Copies and pickles never hold runtime state,
    so estimators with these callbacks clone, pickle and run in parallel
    grid searches.
    """

    # Attributes that exist only during a fit; subclasses add theirs.
    _runtime: tuple[str, ...] = ("_estimator", "_fit_X", "_fit_y", "_run_id")

    # -------------------------------------------------------- the protocol
    def set_fit_context(self, estimator, X, y, *, run_id: str) -> None:
        """Called by a skfashion classifier before training starts.

        Parameters
        ----------
        estimator : KerasClassifierBase
            The classifier being fitted.
        X : array-like of shape (n_samples, n_features), or (n_samples, h, w) \
                or (n_samples, h, w, c)
            The training images, as given to ``fit``.
        y : array-like of shape (n_samples,)
            The training labels, as given to ``fit``.
        run_id : str
            The fit's run id, which names its run folder.
        """
        self._estimator = estimator
        self._fit_X = X
        self._fit_y = y
        self._run_id = run_id

    def clear_fit_context(self) -> None:
        """Called by a skfashion classifier after training, even a failed one."""
        self._close()
        for name in self._runtime:
            self.__dict__.pop(name, None)

    def on_train_end(self, logs=None):
        self.clear_fit_context()

    def _close(self) -> None:
        """Close what ``on_train_begin`` opened; safe to call twice."""

    # -------------------------------------------------------------- helpers
    def _run_dir(self) -> Path:
        """Where this fit writes: the shared run folder, else ``log_dir``."""
        estimator = getattr(self, "_estimator", None)
        if estimator is None:
            return Path(self.log_dir)
        return Path(self.log_dir) / run_name(estimator, self._run_id)

    # ------------------------------------------------------ copying, repr
    def __getstate__(self):
        state = self.__dict__.copy()
        for name in self._runtime:
            state.pop(name, None)
        # Keras' own runtime state: the model (whatever Keras names the
        # attribute that holds it) and the training parameters.
        for name, value in state.items():
            if isinstance(value, keras.Model):
                state[name] = None
        state["params"] = None
        return state

    def __repr__(self) -> str:
        # Like scikit-learn's: the parameters that differ from the defaults.
        parameters = inspect.signature(type(self)).parameters.values()
        changed = [
            f"{p.name}={getattr(self, p.name)!r}"
            for p in parameters
            if p.default is inspect.Parameter.empty
            or not same_value(getattr(self, p.name, p.default), p.default)
        ]
        return f"{type(self).__name__}({', '.join(changed)})"
