"""Run folders: one per fit, named after the estimator and its parameters.

A run folder is ``<log_dir>/<Estimator>-<parameters>-<run id>``, for example
``runs/CNNClassifier-epochs=5,filters=8x16-20250301-142501-3fa2c1``:

- ``<parameters>`` are the estimator's non-default parameters as
  ``key=value`` pairs (tuples joined by ``x``), or an 8-character hash of
  them when that would be long or a value has no short text form; it is left
  out when every parameter has its default. ``callbacks`` and ``verbose``
  never count.
- ``<run id>`` is the time the fit started and 6 random hex digits. The
  classifier draws it at the start of each fit (and keeps it while training
  continues, with ``warm_start`` or ``partial_fit``); every callback of the
  fit derives the same folder from it, so they share one run folder, and no
  two fits share theirs.
"""

from __future__ import annotations

import hashlib
import inspect
import numbers
import re

__all__ = ["IGNORED_PARAMS", "run_name", "same_value"]

# Longer parameter texts are replaced by their hash: run names must stay
# readable in TensorBoard's run list and usable as folder names. 128 leaves
# room for about six parameters (``batch_normalization=True`` alone takes 24)
# and keeps names far below the 255 bytes of common file systems.
MAX_PARAMS_CHARS = 128

#: Parameters that say nothing about the model or its training: left out of
#: run names and of the hyperparameters logged for TensorBoard's HParams tab.
IGNORED_PARAMS = frozenset({"callbacks", "verbose"})


def run_name(estimator, run_id: str) -> str:
    """``<Estimator>-<parameters>-<run id>``: see the module docstring.

    Parameters
    ----------
    estimator : KerasClassifierBase
        A skfashion classifier being fitted.
    run_id : str
        The fit's run id, as the classifier gives it to its callbacks.

    Returns
    -------
    name : str
        The run folder's name.
    """
    parts = [type(estimator).__name__, _params_text(estimator), run_id]
    return "-".join(part for part in parts if part)


def _params_text(estimator) -> str:
    params = _non_default_params(estimator)
    texts = [_short_text(value) for value in params.values()]
    text = ",".join(f"{key}={value}" for key, value in zip(params, texts, strict=True))
    if None in texts or len(text) > MAX_PARAMS_CHARS:
        text = hashlib.sha1(repr(sorted(params.items())).encode()).hexdigest()[:8]
    return text


def _non_default_params(estimator) -> dict:
    defaults = {
        name: parameter.default
        for name, parameter in inspect.signature(type(estimator)).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }
    return {
        key: value
        for key, value in sorted(estimator.get_params(deep=False).items())
        if key not in IGNORED_PARAMS
        and not same_value(value, defaults.get(key, _MISSING))
    }


_MISSING = object()  # the default of a routed parameter, which has none


def same_value(a, b) -> bool:
    """Whether parameter value ``a`` equals ``b``, for example its default.

    Values without a single truth value for ``==`` (arrays) are compared by
    identity instead.
    """
    try:
        return bool(a == b)
    except Exception:
        return a is b


def _short_text(value) -> str | None:
    """``value`` as a short, folder-safe text, or None if it has none."""
    if value is None or isinstance(value, (bool, str)):
        text = str(value)
    elif isinstance(value, numbers.Integral):
        text = str(int(value))
    elif isinstance(value, numbers.Real):
        text = f"{float(value):g}"
    elif isinstance(value, (tuple, list)):
        items = [_short_text(item) for item in value]
        if None in items:
            return None
        text = "x".join(items)
    elif isinstance(value, type):  # an optimizer class, say
        text = value.__name__
    else:
        return None
    # Only characters every file system and shell takes as they are.
    return re.sub(r"[^A-Za-z0-9._+-]", "_", text)
