"""The ANN and CNN clothing classifiers."""

from __future__ import annotations

import math
from numbers import Integral, Real

import keras
import numpy as np

from ._estimator import KerasClassifierBase
from ._fit_plan import AutoBudget
from ._layers import LayerSeeds, glorot, softmax_output
from ._param_validation import Interval, NameOf, SequenceOf

__all__ = ["ANNClassifier", "CNNClassifier"]

_POSITIVE_INT = Interval(Integral, 1, None, closed="left")
# hidden_layer_sizes, filters, dense_units: one positive int per layer.
_LAYER_SIZES = SequenceOf(_POSITIVE_INT, min_length=1)
_DROPOUT = Interval(Real, 0, 1, closed="left")


class ANNClassifier(KerasClassifierBase):
    """A fully connected network for images: dense layers, then softmax.

    The network takes each image as a flat row of pixels, passes it through
    ``hidden_layer_sizes`` dense layers (each optionally batch-normalized and
    followed by dropout) and ends with a softmax over the classes. Scale the
    pixels to [0, 1] first, for example with :class:`~skfashion.MinMax255`.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(512, 256)
        The units of each hidden layer.
    activation : str, default="relu"
        The hidden layers' activation, any Keras activation name.
    dropout : float, default=0.3
        Dropout rate after each hidden layer; 0 disables it.
    batch_normalization : bool, default=True
        Batch-normalize each hidden layer before its activation.
    optimizer : str or keras.optimizers.Optimizer class or instance, \
default="adamw"
        The optimizer: a name that ``keras.optimizers.get`` knows, an
        optimizer class, or an instance; a new one is made for each fit (an
        instance is copied). Its other arguments can be routed as
        ``optimizer__<name>``, for example ``optimizer__weight_decay=1e-4``.
    learning_rate : float, default=4e-3
        The initial learning rate.
    lr_schedule : {"cosine", "triangular", "constant"}, default="cosine"
        ``"cosine"`` decays the learning rate to 0 along a cosine over the
        ``epochs`` of a fit, which converges faster than a constant rate.
        ``"triangular"`` climbs linearly from 0 to ``learning_rate`` over the
        first fifth of the steps, then descends linearly to 0: the warm-up
        makes a high peak safe. With ``partial_fit`` either spans ``epochs``
        calls, then stays at 0: use ``"constant"`` for open-ended training.
    weight_decay : float, default=1e-4
        Decoupled weight decay applied by the optimizer; 0 disables it.
    label_smoothing : float, default=0.1
        Spread this much of each target's probability evenly over all the
        classes, which keeps the network from growing over-confident.
    epochs : int or "auto", default="auto"
        Number of passes over the training data in ``fit``. ``"auto"``:
        25, or on smaller data as many as make 2,000 optimizer steps
        (``n_iter_`` tells how many a fit took), so that a fit on a few
        hundred images trains long enough. An int is trained exactly.
    batch_size : int or "auto", default="auto"
        Number of images per gradient step. ``"auto"``: 512, or 1/16 of
        the training images if that is fewer (16 at least). An int is used
        exactly.
    validation_split : float, default=0.0
        Fraction of the training data (the last rows, before shuffling) held
        out to report ``val_loss`` and ``val_accuracy`` in ``history_``.
    early_stopping : int or None, default=None
        The patience: if set (1 or more), stop when the validation loss (the
        training loss without ``validation_split`` or ``validation_data``)
        has not improved for this many epochs, and keep the best weights.
        None trains all ``epochs``.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in scikit-learn: a dict maps class labels
        to weights >= 0 (a class not in it weighs 1), ``"balanced"`` weighs
        classes inversely to their frequency.
    shuffle : bool, default=True
        Shuffle the training data before each epoch.
    warm_start : bool, default=False
        If True, ``fit`` continues training the fitted network instead of
        building a new one.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, dropout, augmentation and shuffling for
        reproducible results on the CPU. No global random state (Python's,
        NumPy's, TensorFlow's or Keras') is read or changed.
    verbose : int, default=0
        Keras' verbosity: 0 silent, 1 progress bar, 2 one line per epoch.
    callbacks : list of keras.callbacks.Callback, default=None
        Callbacks for training (instances, or classes to make one of), such
        as skfashion's TensorBoard callbacks.
        They are copied at the start of each fit, so the objects passed here
        are never modified.
    **kwargs : dict
        Routed parameters, as in scikeras: ``optimizer__<name>``,
        ``model__<name>`` (overrides an architecture parameter),
        ``fit__<name>`` (passed to ``keras.Model.fit``) and
        ``predict__batch_size`` (the batch size of predictions on more than
        2,048 images; 1024 by default).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of features (pixels) seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, if ``X`` had string column names.
    model_ : keras.Model
        The trained network.
    history_ : dict of str to list of float
        Per-epoch ``loss`` and ``accuracy`` (and ``val_loss``,
        ``val_accuracy`` with a validation split or ``validation_data``),
        over all the epochs the network has trained.
    n_iter_ : int
        The epochs the network has trained, over all calls of ``fit`` (with
        ``warm_start``) and ``partial_fit``; fewer than ``epochs`` after an
        early stop.
    n_steps_ : int
        The optimizer steps the network has taken, over all calls.
    t_ : int
        The training images seen by the optimizer, over all calls: epochs
        times training rows, as scikit-learn's ``MLPClassifier.t_``.
    batch_size_ : int
        The batch size of the last call (``batch_size="auto"`` resolved).

    See Also
    --------
    CNNClassifier : A convolutional network, more accurate on images.
    sklearn.neural_network.MLPClassifier : The dense network of scikit-learn.

    Examples
    --------
    Sixty random 28x28 images of three classes, and one epoch, to show the
    API; on Fashion-MNIST, fit on ``fetch_fashion_mnist(return_X_y=True)``
    with the defaults (their accuracy and time: the benchmarks page).

    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skfashion import ANNClassifier, MinMax255
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(60, 784))  # pixels 0-255, one row per image
    >>> y = np.arange(60) % 3
    >>> model = make_pipeline(MinMax255(), ANNClassifier(epochs=1, random_state=0))
    >>> model.fit(X, y).predict(X[:4]).shape
    (4,)
    >>> model.predict_proba(X[:2]).shape  # one column per class
    (2, 3)
    >>> model[-1].classes_
    array([0, 1, 2])
    """

    _parameter_constraints: dict = {
        **KerasClassifierBase._parameter_constraints,
        "hidden_layer_sizes": [_LAYER_SIZES],
        "activation": [
            NameOf(keras.activations.get, "a Keras activation ('relu', 'gelu', ...)")
        ],
        "dropout": [_DROPOUT],
        "batch_normalization": ["boolean"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(512, 256),
        activation="relu",
        dropout=0.3,
        batch_normalization=True,
        *,
        optimizer="adamw",
        learning_rate=4e-3,
        lr_schedule="cosine",
        weight_decay=1e-4,
        label_smoothing=0.1,
        epochs="auto",
        batch_size="auto",
        validation_split=0.0,
        early_stopping=None,
        class_weight=None,
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        callbacks=None,
        **kwargs,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        super().__init__(
            optimizer=optimizer,
            learning_rate=learning_rate,
            lr_schedule=lr_schedule,
            weight_decay=weight_decay,
            label_smoothing=label_smoothing,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            early_stopping=early_stopping,
            class_weight=class_weight,
            shuffle=shuffle,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            callbacks=callbacks,
            **kwargs,
        )

    _auto_budget = AutoBudget(epochs=25, batch_size=512, min_steps=2000)
    _architecture_parameters = (
        "hidden_layer_sizes",
        "activation",
        "dropout",
        "batch_normalization",
    )

    def _build_model(
        self, architecture: dict, *, n_features: int, n_classes: int, seeds: LayerSeeds
    ) -> keras.Model:
        sizes = _as_tuple(architecture["hidden_layer_sizes"])
        activation = architecture["activation"]
        dropout = architecture["dropout"]
        batch_normalization = architecture["batch_normalization"]

        inputs = keras.Input((n_features,), name="pixels")
        x = inputs
        for i, units in enumerate(sizes, start=1):
            x = keras.layers.Dense(
                units,
                use_bias=not batch_normalization,
                kernel_initializer=glorot(seeds),
                name=f"dense_{i}",
            )(x)
            if batch_normalization:
                x = keras.layers.BatchNormalization(name=f"batch_norm_{i}")(x)
            x = keras.layers.Activation(activation, name=f"{activation}_{i}")(x)
            if dropout:
                x = keras.layers.Dropout(
                    dropout, seed=seeds.next(), name=f"dropout_{i}"
                )(x)
        return keras.Model(inputs, softmax_output(x, n_classes, seeds), name="ann")


class CNNClassifier(KerasClassifierBase):
    """A convolutional network: conv and pooling blocks, dense, softmax.

    Each block is ``convs_per_block`` 'same'-padded convolutions (each
    optionally batch-normalized, then ReLU) followed by max pooling; the
    blocks are followed by dense layers with dropout and a softmax over the
    classes. The network reshapes its flat input rows to ``image_shape_``
    itself, so it takes the same (n_samples, n_features) input as any
    scikit-learn estimator. Scale the pixels to [0, 1] first, for example
    with :class:`~skfashion.MinMax255`.

    Parameters
    ----------
    filters : tuple of int, default=(16, 64)
        The number of convolution filters of each block. Few filters at full
        resolution make the default fast: the first convolution runs on
        every pixel and costs the most.
    convs_per_block : int, default=1
        Convolutions per block before its pooling.
    kernel_size : int, default=3
        The convolutions' kernel size.
    pool_size : int, default=2
        The max pooling window and stride; along a side of the maps shorter
        than it, the side (so that maps never shrink to nothing).
    dense_units : tuple of int, default=(128,)
        The units of the dense layers after the last block.
    dropout : float, default=0.1
        Dropout rate before each dense layer; 0 disables it.
    batch_normalization : bool, default=False
        Batch-normalize each convolution before its activation. Off by
        default: in this network it costs half as much training time again
        and does not pay for it, at any data size (the benchmarks page of
        the docs).
    augmentation : bool, default=False
        During training only, shift images randomly by up to 1/14 of each
        side (2 pixels of 28) and flip them left to right. It slows
        convergence: at the default number of epochs it lowers accuracy (see
        the benchmarks page of the docs).
    image_shape : tuple of int or None, default=None
        The (height, width, channels) of the images. By default it is taken
        from image-shaped input ((n, h, w) or (n, h, w, c)); for flat rows it
        is (s, s, 1) when the number of features is a square s*s (784 gives
        28x28x1), else (1, n_features, 1).
    test_time_augmentation : bool, default=False
        At predict, average the network's output for each image and for its
        left-right mirror: predicting costs twice as much. It helps a
        network trained with ``augmentation``, which has seen mirrored
        images (its accuracy: the benchmarks page of the docs).
    pool_first : bool, default=False
        Max-pool each block's last convolution before its batch
        normalization and ReLU instead of after them. Max pooling commutes
        with the ReLU, and with the normalization where its scale is
        positive, so the network is nearly the same, but its normalization
        and activation run on a quarter of the values: it trains in about
        0.8 of the time, at the same accuracy (the benchmarks page of the
        docs). The normalization's statistics are then those of the pooled
        maps, and the pooling layer's feature maps are taken before the
        normalization and ReLU.
    optimizer : str or keras.optimizers.Optimizer class or instance, \
default="adamw"
        The optimizer: a name that ``keras.optimizers.get`` knows, an
        optimizer class, or an instance; a new one is made for each fit (an
        instance is copied). Its other arguments can be routed as
        ``optimizer__<name>``, for example ``optimizer__weight_decay=1e-4``.
    learning_rate : float, default=2e-3
        The initial learning rate.
    lr_schedule : {"cosine", "triangular", "constant"}, default="cosine"
        ``"cosine"`` decays the learning rate to 0 along a cosine over the
        ``epochs`` of a fit, which converges faster than a constant rate.
        ``"triangular"`` climbs linearly from 0 to ``learning_rate`` over the
        first fifth of the steps, then descends linearly to 0: the warm-up
        makes a high peak safe. With ``partial_fit`` either spans ``epochs``
        calls, then stays at 0: use ``"constant"`` for open-ended training.
    weight_decay : float, default=1e-4
        Decoupled weight decay applied by the optimizer; 0 disables it.
    label_smoothing : float, default=0.1
        Spread this much of each target's probability evenly over all the
        classes, which keeps the network from growing over-confident.
    epochs : int or "auto", default="auto"
        Number of passes over the training data in ``fit``. ``"auto"``:
        15, or on smaller data as many as make 3,000 optimizer steps
        (``n_iter_`` tells how many a fit took), so that a fit on a few
        hundred images trains long enough. An int is trained exactly.
    batch_size : int or "auto", default="auto"
        Number of images per gradient step. ``"auto"``: 64, or 1/16 of
        the training images if that is fewer (16 at least). An int is used
        exactly.
    validation_split : float, default=0.0
        Fraction of the training data (the last rows, before shuffling) held
        out to report ``val_loss`` and ``val_accuracy`` in ``history_``.
    early_stopping : int or None, default=None
        The patience: if set (1 or more), stop when the validation loss (the
        training loss without ``validation_split`` or ``validation_data``)
        has not improved for this many epochs, and keep the best weights.
        None trains all ``epochs``.
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, as in scikit-learn: a dict maps class labels
        to weights >= 0 (a class not in it weighs 1), ``"balanced"`` weighs
        classes inversely to their frequency.
    shuffle : bool, default=True
        Shuffle the training data before each epoch.
    warm_start : bool, default=False
        If True, ``fit`` continues training the fitted network instead of
        building a new one.
    random_state : int, RandomState instance or None, default=None
        Seeds weight initialization, dropout, augmentation and shuffling for
        reproducible results on the CPU. No global random state (Python's,
        NumPy's, TensorFlow's or Keras') is read or changed.
    verbose : int, default=0
        Keras' verbosity: 0 silent, 1 progress bar, 2 one line per epoch.
    callbacks : list of keras.callbacks.Callback, default=None
        Callbacks for training (instances, or classes to make one of), such
        as skfashion's TensorBoard callbacks.
        They are copied at the start of each fit, so the objects passed here
        are never modified.
    **kwargs : dict
        Routed parameters, as in scikeras: ``optimizer__<name>``,
        ``model__<name>`` (overrides an architecture parameter),
        ``fit__<name>`` (passed to ``keras.Model.fit``) and
        ``predict__batch_size`` (the batch size of predictions on more than
        2,048 images; 1024 by default).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The class labels.
    n_classes_ : int
        Number of classes.
    n_features_in_ : int
        Number of features (pixels) seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, if ``X`` had string column names.
    model_ : keras.Model
        The trained network.
    history_ : dict of str to list of float
        Per-epoch ``loss`` and ``accuracy`` (and ``val_loss``,
        ``val_accuracy`` with a validation split or ``validation_data``),
        over all the epochs the network has trained.
    n_iter_ : int
        The epochs the network has trained, over all calls of ``fit`` (with
        ``warm_start``) and ``partial_fit``; fewer than ``epochs`` after an
        early stop.
    n_steps_ : int
        The optimizer steps the network has taken, over all calls.
    t_ : int
        The training images seen by the optimizer, over all calls: epochs
        times training rows, as scikit-learn's ``MLPClassifier.t_``.
    batch_size_ : int
        The batch size of the last call (``batch_size="auto"`` resolved).
    image_shape_ : tuple of int
        The (height, width, channels) the network reshapes its input to.

    See Also
    --------
    ANNClassifier : A dense network: faster, less accurate.

    Examples
    --------
    Sixty random 28x28 images of three classes, and one epoch, to show the
    API; on Fashion-MNIST, fit on ``fetch_fashion_mnist(return_X_y=True)``
    with the defaults (their accuracy and time: the benchmarks page).

    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from skfashion import CNNClassifier, MinMax255
    >>> rng = np.random.default_rng(0)
    >>> X = rng.integers(0, 256, size=(60, 784))  # pixels 0-255, one row per image
    >>> y = np.arange(60) % 3
    >>> model = make_pipeline(MinMax255(), CNNClassifier(epochs=1, random_state=0))
    >>> model.fit(X, y).predict(X[:4]).shape
    (4,)
    >>> model.predict_proba(X[:2]).shape  # one column per class
    (2, 3)
    >>> model[-1].image_shape_  # 784 pixels per row: 28x28 images, 1 channel
    (28, 28, 1)
    """

    _parameter_constraints: dict = {
        **KerasClassifierBase._parameter_constraints,
        "filters": [_LAYER_SIZES],
        "convs_per_block": [_POSITIVE_INT],
        "kernel_size": [_POSITIVE_INT],
        "pool_size": [_POSITIVE_INT],
        "dense_units": [_LAYER_SIZES],
        "dropout": [_DROPOUT],
        "batch_normalization": ["boolean"],
        "augmentation": ["boolean"],
        "image_shape": [None, SequenceOf(_POSITIVE_INT, lengths=(2, 3))],
        "test_time_augmentation": ["boolean"],
        "pool_first": ["boolean"],
    }

    def __init__(
        self,
        filters=(16, 64),
        convs_per_block=1,
        kernel_size=3,
        pool_size=2,
        dense_units=(128,),
        dropout=0.1,
        batch_normalization=False,
        augmentation=False,
        image_shape=None,
        test_time_augmentation=False,
        pool_first=False,
        *,
        optimizer="adamw",
        learning_rate=2e-3,
        lr_schedule="cosine",
        weight_decay=1e-4,
        label_smoothing=0.1,
        epochs="auto",
        batch_size="auto",
        validation_split=0.0,
        early_stopping=None,
        class_weight=None,
        shuffle=True,
        warm_start=False,
        random_state=None,
        verbose=0,
        callbacks=None,
        **kwargs,
    ):
        self.filters = filters
        self.convs_per_block = convs_per_block
        self.kernel_size = kernel_size
        self.pool_size = pool_size
        self.dense_units = dense_units
        self.dropout = dropout
        self.batch_normalization = batch_normalization
        self.augmentation = augmentation
        self.image_shape = image_shape
        self.test_time_augmentation = test_time_augmentation
        self.pool_first = pool_first
        super().__init__(
            optimizer=optimizer,
            learning_rate=learning_rate,
            lr_schedule=lr_schedule,
            weight_decay=weight_decay,
            label_smoothing=label_smoothing,
            epochs=epochs,
            batch_size=batch_size,
            validation_split=validation_split,
            early_stopping=early_stopping,
            class_weight=class_weight,
            shuffle=shuffle,
            warm_start=warm_start,
            random_state=random_state,
            verbose=verbose,
            callbacks=callbacks,
            **kwargs,
        )

    _auto_budget = AutoBudget(epochs=15, batch_size=64, min_steps=3000)
    _architecture_parameters = (
        "filters",
        "convs_per_block",
        "kernel_size",
        "pool_size",
        "dense_units",
        "dropout",
        "batch_normalization",
        "augmentation",
        "pool_first",
    )

    def _architecture(
        self, overrides: dict, input_shape: tuple[int, ...], n_features: int
    ) -> dict:
        architecture = super()._architecture(overrides, input_shape, n_features)
        architecture["image_shape"] = self._image_shape(input_shape, n_features)
        return architecture

    def _image_shape(
        self, input_shape: tuple[int, ...], n_features: int
    ) -> tuple[int, int, int]:
        """The (height, width, channels) of the images: see ``image_shape``."""
        if self.image_shape is not None:
            shape = tuple(int(d) for d in self.image_shape)
            if len(shape) == 2:
                shape = (*shape, 1)
            if math.prod(shape) != n_features:
                raise ValueError(
                    f"image_shape={self.image_shape!r} does not hold the "
                    f"{n_features} features of X: pass (height, width, channels) "
                    "whose product is the number of features."
                )
            return shape
        if len(input_shape) in (2, 3):  # the training input was image-shaped
            return (*input_shape, 1) if len(input_shape) == 2 else input_shape
        side = math.isqrt(n_features)
        if side * side == n_features:
            return (side, side, 1)
        return (1, n_features, 1)

    def _set_fitted(self, *, architecture: dict, **fitted) -> None:
        super()._set_fitted(architecture=architecture, **fitted)
        self.image_shape_ = architecture["image_shape"]

    def _network_output(self, X, batch_size):
        output = super()._network_output(X, batch_size)
        if not self.test_time_augmentation:
            return output
        height, width, channels = self.image_shape_
        mirrored = X.reshape(-1, height, width, channels)[:, :, ::-1]
        mirrored = np.ascontiguousarray(mirrored).reshape(len(X), -1)
        # The mean of two softmax outputs is again a probability distribution.
        return (output + super()._network_output(mirrored, batch_size)) / 2

    def _build_model(
        self, architecture: dict, *, n_features: int, n_classes: int, seeds: LayerSeeds
    ) -> keras.Model:
        filters = _as_tuple(architecture["filters"])
        convs_per_block = architecture["convs_per_block"]
        kernel_size = architecture["kernel_size"]
        pool_size = architecture["pool_size"]
        dense_units = _as_tuple(architecture["dense_units"])
        dropout = architecture["dropout"]
        batch_normalization = architecture["batch_normalization"]
        augmentation = architecture["augmentation"]
        pool_first = architecture["pool_first"]
        image_shape = architecture["image_shape"]

        inputs = keras.Input((n_features,), name="pixels")
        x = keras.layers.Reshape(image_shape, name="image")(inputs)
        height, width = image_shape[:2]
        if augmentation:
            # Up to 1/14 of each side: 2 pixels of Fashion-MNIST's 28; none
            # along a side of 1-6 pixels.
            x = keras.layers.RandomTranslation(
                round(height / 14) / height,
                round(width / 14) / width,
                fill_mode="constant",
                # Whole-pixel shifts: bilinear interpolation of a sub-pixel
                # shift blurs the training images, which the sharp images
                # seen at predict then no longer resemble.
                interpolation="nearest",
                seed=seeds.next(),
                name="random_shift",
            )(x)
            x = keras.layers.RandomFlip(
                "horizontal", seed=seeds.next(), name="random_flip"
            )(x)
        for block, n_filters in enumerate(filters, start=1):
            # Never wider than the map, so that a small or narrow image (8x8,
            # a row of pixels) is pooled only along the sides that have room.
            window = (min(pool_size, height), min(pool_size, width))
            height, width = -(-height // window[0]), -(-width // window[1])
            pool = keras.layers.MaxPooling2D(
                window, padding="same", name=f"pool{block}"
            )
            for conv in range(1, convs_per_block + 1):
                name = f"conv{block}" + (f"_{conv}" if convs_per_block > 1 else "")
                x = keras.layers.Conv2D(
                    n_filters,
                    kernel_size,
                    padding="same",
                    use_bias=not batch_normalization,
                    kernel_initializer=glorot(seeds),
                    name=name,
                )(x)
                if pool_first and conv == convs_per_block:
                    x = pool(x)
                if batch_normalization:
                    x = keras.layers.BatchNormalization(name=f"{name}_bn")(x)
                x = keras.layers.Activation("relu", name=f"{name}_relu")(x)
            if not pool_first:
                x = pool(x)
        x = keras.layers.Flatten(name="flatten")(x)
        for i, units in enumerate(dense_units, start=1):
            if dropout:
                x = keras.layers.Dropout(
                    dropout, seed=seeds.next(), name=f"dropout_{i}"
                )(x)
            x = keras.layers.Dense(
                units,
                activation="relu",
                kernel_initializer=glorot(seeds),
                name=f"dense_{i}",
            )(x)
        if dropout:
            x = keras.layers.Dropout(dropout, seed=seeds.next(), name="dropout_out")(x)
        return keras.Model(inputs, softmax_output(x, n_classes, seeds), name="cnn")


def _as_tuple(sizes) -> tuple[int, ...]:
    """Layer sizes (a tuple or list, checked by fit) as a tuple of Python ints."""
    return tuple(int(size) for size in sizes)
