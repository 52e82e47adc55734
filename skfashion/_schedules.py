"""Learning-rate schedules that Keras does not have."""

from __future__ import annotations

import keras

__all__ = ["Triangular"]


@keras.saving.register_keras_serializable(package="skfashion")
class Triangular(keras.optimizers.schedules.LearningRateSchedule):
    """A linear warm-up from 0 to ``peak``, then a linear decay back to 0.

    The schedule of the fast-training records on small image sets: a high
    peak that the warm-up makes safe to reach, and a straight descent over
    the rest of the steps.

    Parameters
    ----------
    peak : float
        The learning rate at the top of the triangle.
    total_steps : int
        The optimizer steps of the fit; the rate is 0 from there on.
    warmup_fraction : float, default=0.2
        The share of the steps spent climbing.
    """

    def __init__(self, peak: float, total_steps: int, warmup_fraction: float = 0.2):
        self.peak = peak
        self.total_steps = total_steps
        self.warmup_fraction = warmup_fraction

    def __call__(self, step):
        step = keras.ops.cast(step, "float32")
        total = float(max(1, self.total_steps))
        top = max(1.0, self.warmup_fraction * total)
        climbing = step / top
        descending = (total - step) / max(1.0, total - top)
        return self.peak * keras.ops.clip(
            keras.ops.minimum(climbing, descending), 0.0, 1.0
        )

    def get_config(self) -> dict:
        return {
            "peak": self.peak,
            "total_steps": self.total_steps,
            "warmup_fraction": self.warmup_fraction,
        }
