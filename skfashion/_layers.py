"""Seeded building blocks of the classifiers' networks."""

from __future__ import annotations

import random

import keras

__all__ = ["LayerSeeds", "glorot", "softmax_output"]


class LayerSeeds:
    """The seeds of a network's random layers and initializers, in build order.

    Keras draws the seed of an unseeded layer from Python's global
    ``random``, which any other thread of the process can advance between
    the seeding and the building (a Dask worker's event loop does, several
    times a second): the weights would then differ from run to run. These
    seeds come from a generator of the fit's own, seeded like Keras' (so the
    weights are the same as with Keras' draws in a quiet process).

    Parameters
    ----------
    seed : int or None
        The fit's seed; None lets Keras draw as usual.
    """

    def __init__(self, seed: int | None):
        self._rng = None if seed is None else random.Random(seed)

    def next(self) -> int | None:
        """The seed of the next random layer or initializer; None without one."""
        return None if self._rng is None else self._rng.randint(1, int(1e9))


def glorot(seeds: LayerSeeds) -> keras.initializers.Initializer:
    """Keras' default kernel initializer, seeded by ``seeds``."""
    return keras.initializers.GlorotUniform(seed=seeds.next())


def softmax_output(x, n_classes: int, seeds: LayerSeeds):
    """The output layer of a classifier's network: a softmax over the classes.

    Named ``softmax``: the callbacks and plots find it by that name.
    """
    return keras.layers.Dense(
        n_classes, "softmax", kernel_initializer=glorot(seeds), name="softmax"
    )(x)
