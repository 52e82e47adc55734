"""Training-recipe steps that are not estimator parameters: prototypes to measure.

``bench_time_to_accuracy.py`` measures recipe steps one at a time. Those
that ``CNNClassifier`` has as parameters are given as parameters; the
others are prototyped here, on a subclass, so that they can be measured
before anyone builds them into the package (a step that saves no time is
never built):

- ``whiten``: a fixed first convolution that whitens the 2x2 patches of the
  training images (the PCA of the patches, each direction scaled to unit
  variance, with both signs so that the ReLU after it loses nothing), the
  first layer of the fast CIFAR-10 training records;
- ``flip="alternate"``: every image mirrored on every other epoch (which
  epochs: a bit of the image's own pixels), instead of at random, so that
  each image is seen both ways;
- ``shift``: random translations of up to ``shift`` pixels, with the
  border reflected (Keras' ``fill_mode="reflect"``) rather than black.
"""

from __future__ import annotations

import keras
import numpy as np

from skfashion import CNNClassifier

# The prototypes' names, for the benchmark's recipes.
EXPERIMENTS = ("whiten", "flip", "shift")


def make_cnn(params: dict) -> CNNClassifier:
    """A ``CNNClassifier`` of ``params``; a ``PrototypeCNN`` if some of them
    are prototypes (EXPERIMENTS)."""
    experiment = {k: params[k] for k in EXPERIMENTS if k in params}
    params = {k: v for k, v in params.items() if k not in EXPERIMENTS}
    if not experiment:
        return CNNClassifier(**params)
    if experiment.get("flip") == "alternate":
        params["callbacks"] = [*(params.get("callbacks") or []), _AlternateEpochs()]
    estimator = PrototypeCNN(**params)
    estimator._experiment = experiment
    return estimator


class PrototypeCNN(CNNClassifier):
    """``CNNClassifier`` with the prototypes in ``_experiment`` switched on.

    ``_experiment`` is set after construction (it is no estimator parameter,
    so clones lose it: this class is for the benchmark only), e.g.
    ``{"whiten": True, "flip": "alternate", "shift": 2}``.
    """

    _experiment: dict = {}

    def fit(self, X, y, **kwargs):
        if self._experiment.get("whiten"):
            self.whitening_filters_ = _whitening_filters(np.asarray(X, np.float32))
        return super().fit(X, y, **kwargs)

    def _build_model(self, architecture, *, n_features, n_classes, seeds):
        model = super()._build_model(
            architecture, n_features=n_features, n_classes=n_classes, seeds=seeds
        )
        # A new network of the same layers (made again from their configs,
        # whose seeded initializers draw the same weights), with the
        # prototype layers between the reshape and the first block.
        layers = [type(layer).from_config(layer.get_config()) for layer in model.layers]
        names = [layer.name for layer in layers]
        inputs = keras.Input((n_features,), name="pixels")
        x = layers[names.index("image")](inputs)
        if self._experiment.get("flip") == "alternate":
            x = _AlternateFlip(name="alternate_flip")(x)
        if self._experiment.get("shift"):
            pixels = self._experiment["shift"]
            height, width = architecture["image_shape"][:2]
            x = keras.layers.RandomTranslation(
                pixels / height,
                pixels / width,
                fill_mode="reflect",
                interpolation="nearest",
                seed=seeds.next(),
                name="reflected_shift",
            )(x)
        if self._experiment.get("whiten"):
            filters = self.whitening_filters_
            x = keras.layers.Conv2D(
                filters.shape[-1],
                2,
                padding="same",
                use_bias=False,
                trainable=False,
                kernel_initializer=keras.initializers.Constant(filters),
                name="whiten",
            )(x)
        for layer in layers[names.index("image") + 1 :]:
            x = layer(x)
        return keras.Model(inputs, x, name="cnn")


def _whitening_filters(X: np.ndarray, n_images: int = 5000, eps: float = 1e-2):
    """2x2 convolution filters that whiten the images' 2x2 patches, both signs."""
    side = int(np.sqrt(X.shape[1]))
    images = X[:n_images].reshape(-1, side, side)
    patches = np.stack(
        [
            images[:, :-1, :-1],
            images[:, :-1, 1:],
            images[:, 1:, :-1],
            images[:, 1:, 1:],
        ],
        axis=-1,
    ).reshape(-1, 4)
    patches = patches - patches.mean(axis=0)
    eigenvalues, eigenvectors = np.linalg.eigh(np.cov(patches, rowvar=False))
    filters = eigenvectors / np.sqrt(eigenvalues + eps)  # (4, 4): one per column
    filters = np.concatenate([filters, -filters], axis=1)  # (4, 8)
    return filters.reshape(2, 2, 1, 8).astype(np.float32)


class _AlternateFlip(keras.layers.Layer):
    """In training, mirror each image on the epochs of one parity.

    Which parity is a bit of the image itself (the parity of the sum of its
    pixels times 1,000), so that an image is seen mirrored on every other
    epoch; ``_AlternateEpochs`` sets the epoch's parity.
    """

    def build(self, input_shape):
        self.parity = self.add_weight(
            shape=(), initializer="zeros", trainable=False, name="parity"
        )

    def call(self, images, training=False):
        if not training:
            return images
        own = keras.ops.mod(
            keras.ops.floor(keras.ops.sum(images, axis=(1, 2, 3)) * 1000.0), 2.0
        )
        flip = keras.ops.not_equal(own, self.parity)[:, None, None, None]
        return keras.ops.where(flip, keras.ops.flip(images, axis=2), images)


class _AlternateEpochs(keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.model.get_layer("alternate_flip").parity.assign(float(epoch % 2))
