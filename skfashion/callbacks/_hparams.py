"""A fit as a session of TensorBoard's HParams dashboard.

The HParams plugin shows *sessions*: a run that holds a session start (the
hyperparameters' values, written by ``tensorboard.plugins.hparams.api``)
and, once training is over, a session end (its status). A session's metrics
are the last values of the scalars in the run and the runs below it, so the
session is the fit's run folder itself, the parent of its ``train`` and
``validation`` runs: ``epoch_loss`` of ``train`` is the metric
(``epoch_loss``, group ``train``).

Why no experiment configuration (``hp.hparams_config``) is written: the
plugin reads the domains of the hyperparameters and the list of metrics from
*one* configuration, the first it finds in any run, and infers them only
when there is none. A fit knows only its own values, so a configuration
written per fit would give each hyperparameter the domain of whichever fit
the plugin happens to read first (one value); and no fit can write one
configuration for the whole log folder, since the fits of a search run
separately, possibly at the same time in other processes (``n_jobs=2``).
Without a configuration, the plugin builds the experiment from all the
sessions it finds: each hyperparameter's domain from the values of every
session (numbers: the interval from the smallest to the largest, text and
bools: the distinct values), and the metrics from the scalar tags of the
runs below the sessions. So the domains are right however the fits were
run, and grow as fits are added.

A hyperparameter's values must have one type across the sessions, or the
plugin shows them all as text: each value is therefore converted the same
way in every fit (:func:`hparam_value`), and a parameter that is None in one
fit and a number in another (``early_stopping``) is shown as text.
"""

from __future__ import annotations

import numbers
from pathlib import Path

import numpy as np

from ._run import IGNORED_PARAMS

__all__ = ["hparam_value", "hparams_of", "write_session_end", "write_session_start"]


def hparams_of(estimator) -> dict[str, bool | int | float | str]:
    """The estimator's parameters as HParams values, by name.

    Parameters
    ----------
    estimator : KerasClassifierBase
        A skfashion classifier being fitted.

    Returns
    -------
    hparams : dict
        ``get_params(deep=False)`` (routed parameters such as
        ``optimizer__beta_1`` included) without ``callbacks`` and
        ``verbose``, each value converted by :func:`hparam_value`.
    """
    return {
        name: hparam_value(value)
        for name, value in sorted(estimator.get_params(deep=False).items())
        if name not in IGNORED_PARAMS
    }


def hparam_value(value) -> bool | int | float | str:
    """A parameter's value as one of the types the HParams plugin takes.

    Parameters
    ----------
    value : object
        A parameter's value.

    Returns
    -------
    value : bool, int, float or str
        Bools, ints, floats and strings as they are (NumPy scalars as the
        Python ones); None as ``"None"``; tuples, lists and dicts as their
        Python text (``"(16, 64)"``); a class or a function as its name, any
        other object as the name of its class (``"RandomState"``), in a
        tuple too.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, str):
        return value
    if value is None:
        return "None"
    if isinstance(value, (tuple, list, dict)):
        return _text(value)
    return _name(value)


def _text(value) -> str:
    """Python's text of a value, NumPy scalars as Python's, objects by name.

    ``(16, 64)``, not ``(np.int64(16), np.int64(64))``.
    """
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or isinstance(value, (bool, numbers.Real)):
        return repr(value)
    if isinstance(value, str):
        return repr(str(value))
    if isinstance(value, tuple):
        items = [_text(item) for item in value]
        return f"({', '.join(items)}{',' if len(items) == 1 else ''})"
    if isinstance(value, list):
        return f"[{', '.join(_text(item) for item in value)}]"
    if isinstance(value, dict):
        items = (f"{_text(k)}: {_text(v)}" for k, v in value.items())
        return f"{{{', '.join(items)}}}"
    return _name(value)


def _name(value) -> str:
    """A class's or a function's name; any other object's class name."""
    name = getattr(value, "__name__", None)
    return name if isinstance(name, str) else type(value).__name__


# Each record is written into a file of its own, closed at once: TensorBoard's
# Python loader reads the event files of a folder one after the other and
# never returns to an earlier one, so a writer kept open in the run folder
# would hide the later writes of FeatureMapLogger's, which shares it, or have
# its own hidden (TensorBoard's default Rust loader reads them all anyway).
def write_session_start(run_dir: Path, hparams: dict, start_time: float) -> None:
    """Write a session start: ``hparams`` and the time the fit started.

    Parameters
    ----------
    run_dir : Path
        The fit's run folder, the session's run.
    hparams : dict
        Name to bool, int, float or str, as :func:`hparams_of` gives them.
    start_time : float
        The time the fit started, in seconds since the epoch.
    """
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    writer = tf.summary.create_file_writer(str(run_dir))
    with writer.as_default():
        # The session group is named by a hash of the values: the folds of
        # one candidate of a search are one group, one row of the table.
        hp.hparams(hparams, start_time_secs=start_time)
    writer.close()


def write_session_end(run_dir: Path, *, succeeded: bool) -> None:
    """Write a session end: its status (success or failure) and the time now.

    Parameters
    ----------
    run_dir : Path
        The fit's run folder, the session's run.
    succeeded : bool
        Whether training ended normally (early stopping included).
    """
    import tensorflow as tf

    from .._wrapper import hparams_session_end

    # The public API has no session end in its TF 2 form (summary_v2).
    summary = hparams_session_end(succeeded=succeeded)
    writer = tf.summary.create_file_writer(str(run_dir))
    with writer.as_default():
        tf.summary.experimental.write_raw_pb(summary, step=0)
    writer.close()
