"""Saliency maps: where a fitted network looks in an image.

Two methods, both on the score of a class *before* the softmax (its logit),
as in Grad-CAM and in Simonyan et al. (2014): the softmax probability of a
class also rises when the other classes' scores fall, and its gradient
vanishes where the network is confident, so its maps show less of what
speaks for the class itself. skfashion's networks end in a Dense layer with
a softmax activation, so the logits are that layer's input times its kernel,
plus its bias.

- ``"gradcam"`` (Selvaraju et al., 2017, "Grad-CAM: Visual Explanations
  from Deep Networks via Gradient-based Localization"): the feature maps of
  the last convolution, taken after its batch normalization (if any) and ReLU (the
  maps the rest of the network sees: ``conv2_relu`` in the default
  CNNClassifier, pooled first with ``pool_first=True``), weighted by the
  mean gradient of the class score over each map, summed, passed through a
  ReLU and resized bilinearly to the image.
- ``"gradient"`` (Simonyan et al., 2014, "Deep Inside Convolutional
  Networks"): the absolute gradient of the class score with respect to the
  network's input pixels (the largest over the color channels).

Both run in inference mode (dropout off, batch normalization on its moving
statistics), so an image's map does not depend on the other images.
"""

from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from ._inspect import input_image

__all__ = ["METHODS", "last_convolution", "saliency_maps"]

METHODS = ("gradcam", "gradient")

_CONVOLUTIONS = (
    keras.layers.Conv2D,
    keras.layers.DepthwiseConv2D,
    keras.layers.SeparableConv2D,
)
# Layers that act on a convolution's output value by value, keeping its shape.
_ELEMENTWISE = (
    keras.layers.BatchNormalization,
    keras.layers.Activation,
    keras.layers.ReLU,
)
_POOLINGS = (keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)


def last_convolution(model: keras.Model) -> str:
    """The name of the layer whose output Grad-CAM weighs.

    The last convolution layer of ``model``, followed through the batch
    normalization and activation layers right after it, and through a
    pooling layer that comes before them: ``conv2_relu`` in
    :class:`~skfashion.CNNClassifier`, with or without ``pool_first``.

    Raises
    ------
    ValueError
        If ``model`` has no convolution layer.
    """
    layers = model.layers
    found = [i for i, layer in enumerate(layers) if isinstance(layer, _CONVOLUTIONS)]
    if not found:
        raise ValueError(
            f"The model {model.name!r} has no convolution layer, so Grad-CAM has "
            "no feature maps to weigh: a dense network such as ANNClassifier "
            'sees each image as a flat row. Use method="gradient".'
        )
    i = found[-1]
    while i + 1 < len(layers):
        after = layers[i + 1]
        then = layers[i + 2] if i + 2 < len(layers) else None
        # A pooling counts when a normalization or activation follows it
        # (pool_first): the maps the network goes on with come after those.
        pooled_first = isinstance(after, _POOLINGS) and isinstance(then, _ELEMENTWISE)
        if not (isinstance(after, _ELEMENTWISE) or pooled_first):
            break
        i += 1
    return layers[i].name


def saliency_maps(
    model: keras.Model, rows, method: str = "gradcam", *, targets=None
) -> tuple[np.ndarray, np.ndarray]:
    """Saliency maps of a classifier's network for its input rows.

    Parameters
    ----------
    model : keras.Model
        A network whose last layer is a Dense layer with a softmax
        activation, such as a skfashion classifier's ``model_``.
    rows : array-like of shape (n_images, n_features)
        The network's input (after a Pipeline's earlier steps); see
        ``_inspect.model_and_input``.
    method : {"gradcam", "gradient"}, default="gradcam"
        See the module's docstring.
    targets : array-like of int of shape (n_images,), default=None
        For each image, the index of the network output (the class, in the
        order of ``classes_``) whose score to explain; by default the
        predicted one.

    Returns
    -------
    maps : ndarray of shape (n_images, height, width)
        One map per image, at the image's size, >= 0, not normalized.
    targets : ndarray of int of shape (n_images,)
        The output index explained for each image.

    Raises
    ------
    ValueError
        If ``method`` is unknown, if it is ``"gradcam"`` and ``model`` has no
        convolution layer, or if the last layer is not a softmax Dense layer.
    """
    if method not in METHODS:
        raise ValueError(
            f"Unknown saliency method {method!r}; use one of {list(METHODS)}."
        )
    head = model.layers[-1]
    if not (
        isinstance(head, keras.layers.Dense)
        and head.activation is keras.activations.softmax
    ):
        raise ValueError(
            f"The last layer of the model {model.name!r} must be a Dense layer "
            f"with a softmax activation, to get the class scores before the "
            f"softmax; it is {head.name!r} ({type(head).__name__})."
        )
    x = tf.convert_to_tensor(np.asarray(rows, dtype=np.float32))
    n_images, n_features = x.shape
    shape = input_image(model, np.zeros(n_features)).shape  # (h, w, c)
    if targets is not None:
        targets = np.asarray(targets)
        n_classes = head.units
        if targets.shape != (n_images,) or not np.all(
            (targets >= 0) & (targets < n_classes)
        ):
            raise ValueError(
                f"targets must hold one output index in [0, {n_classes}) per "
                f"image ({n_images}); got {targets!r}."
            )
    # Outputs as a dict: a list of one would come back as a bare tensor.
    outputs = {"penultimate": head.input}
    if method == "gradcam":
        outputs["features"] = model.get_layer(last_convolution(model)).output
    probe = keras.Model(model.inputs[0], outputs)

    with tf.GradientTape() as tape:
        tape.watch(x)
        values = probe(x, training=False)
        logits = tf.matmul(values["penultimate"], head.kernel)
        if head.bias is not None:
            logits += head.bias
        if targets is None:
            targets = tf.argmax(logits, axis=1)
        targets = tf.cast(targets, tf.int32)
        scores = tf.gather(logits, targets, axis=1, batch_dims=1)
    # The images are independent, so the gradient of the sum of the scores
    # holds each image's gradient of its own score.
    if method == "gradient":
        gradients = tape.gradient(scores, x)
        pixels = tf.reshape(tf.abs(gradients), (-1, *shape))
        maps = tf.reduce_max(pixels, axis=-1)
    else:
        features = values["features"]
        gradients = tape.gradient(scores, features)
        weights = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
        cam = tf.nn.relu(tf.reduce_sum(weights * features, axis=-1, keepdims=True))
        maps = tf.image.resize(cam, shape[:2], method="bilinear")[..., 0]
    return maps.numpy(), targets.numpy()
