"""Which unit of a model each row of a layer's 2-D kernel belongs to.

The Projector's ``source="weights"`` view shows one point per kernel row;
this names each point after the unit that feeds it (a pixel of a feature
map, a unit of the layer below).
"""

from __future__ import annotations

import math

import keras
import numpy as np

__all__ = ["kernel_row_units"]

# Layers whose output unit i is a function of their input unit i alone: the
# units of a kernel's rows are named after the layer before them.
_UNIT_PRESERVING = (
    keras.layers.Activation,
    keras.layers.ReLU,
    keras.layers.LeakyReLU,
    keras.layers.ELU,
    keras.layers.PReLU,
    keras.layers.BatchNormalization,
    keras.layers.Dropout,  # and the spatial dropouts, its subclasses
    keras.layers.GaussianDropout,
    keras.layers.GaussianNoise,
    keras.layers.AlphaDropout,
    keras.layers.ActivityRegularization,
)


def kernel_row_units(model: keras.Model, name: str) -> tuple[list[str], list[tuple]]:
    """The metadata of the rows of a layer's kernel: columns, one row per unit.

    Raises
    ------
    ValueError
        If the layer has no 2-D kernel.
    """
    layer = model.get_layer(name)
    kernel = getattr(layer, "kernel", None)
    shape = tuple(getattr(kernel, "shape", ()))
    if len(shape) != 2:
        with_kernel = [
            other.name
            for other in model.layers
            if len(getattr(getattr(other, "kernel", None), "shape", ())) == 2
        ]
        problem = (
            f"its kernel has shape {shape}"
            if kernel is not None
            else f"it has no kernel (it is a {type(layer).__name__})"
        )
        advice = (
            " A convolution's filters are shown by FeatureMapLogger and by "
            "TensorBoard's weight histograms."
            if len(shape) > 2
            else ""
        )
        raise ValueError(
            "EmbeddingProjector(source='weights') shows the rows of a layer's "
            f"2-D kernel, one point per input unit, but the layer {name!r} of "
            f"the model {model.name!r} has no 2-D kernel: {problem}. Layers "
            f"with a 2-D kernel: {with_kernel}.{advice}"
        )
    n_units = shape[0]
    index = range(n_units)

    # The layer that computes the units: back through the layers that keep
    # each unit where it is, and through one Flatten.
    source, flatten = _producer(model, _input(layer)), None
    while isinstance(source, _UNIT_PRESERVING) or (
        isinstance(source, keras.layers.Flatten) and flatten is None
    ):
        if isinstance(source, keras.layers.Flatten):
            flatten = source
        source = _producer(model, _input(source))
    source_name = "input" if source is None else source.name

    if flatten is None:
        # Dense works on the last axis: its kernel's rows are those units.
        units = _last_axis(source)
        label = source_name if units == n_units else f"{name} input"
        return ["unit", "index"], [(f"{label} #{i}", i) for i in index]
    maps = tuple(flatten.input.shape[1:])
    channels_last = (
        flatten.data_format == "channels_last"
        and getattr(source, "data_format", "channels_last") == "channels_last"
    )
    if len(maps) == 3 and channels_last and math.prod(maps) == n_units:
        # Flatten keeps the (row, column, channel) order of channels-last maps.
        positions = zip(*np.unravel_index(np.arange(n_units), maps), strict=True)
        rows = [
            (f"{source_name} #{c} ({r}, {k})", i, c, r, k)
            for i, (r, k, c) in enumerate(positions)
        ]
        return ["unit", "index", "channel", "row", "column"], rows
    label = flatten.name if math.prod(maps) == n_units else f"{name} input"
    return ["unit", "index"], [(f"{label} #{i}", i) for i in index]


def _input(layer):
    """The layer's input tensor, or None if it has several (a shared layer)."""
    try:
        return layer.input
    except (AttributeError, ValueError):
        return None


def _producer(model: keras.Model, tensor):
    """The layer of ``model`` that outputs ``tensor``, or None."""
    if tensor is None:
        return None
    for layer in model.layers:
        try:
            output = layer.output
        except (AttributeError, ValueError):  # a shared layer
            continue
        if output is tensor:
            return layer
    return None


def _last_axis(layer) -> int | None:
    try:
        return int(layer.output.shape[-1])
    except (AttributeError, ValueError, TypeError, IndexError):
        return None
