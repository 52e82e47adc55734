import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skfashion import MinMax255


def test_scales_full_pixel_range_without_fit():
    X = np.array([[0, 51, 255], [255, 0, 102]], dtype=np.uint8)
    out = MinMax255().transform(X)
    assert out.dtype == np.float32
    assert_allclose(out, [[0.0, 0.2, 1.0], [1.0, 0.0, 0.4]], rtol=1e-6)


def test_float64_and_inverse_round_trip():
    X = np.arange(256, dtype=np.uint8).reshape(16, 16)
    scaler = MinMax255(dtype=np.float64)
    out = scaler.transform(X)
    assert out.dtype == np.float64
    assert out.min() == 0.0 and out.max() == 1.0
    assert_allclose(scaler.inverse_transform(out), X)


def test_does_not_modify_input():
    X = np.full((3, 4), 255.0, dtype=np.float32)
    MinMax255().transform(X)
    assert_array_equal(X, 255.0)


@pytest.mark.parametrize("bad", [-1.0, 256.0])
def test_out_of_range_is_an_error_by_default(bad):
    X = np.array([[0.0, bad]])
    with pytest.raises(
        ValueError, match=r"(Negative values|Values above 255).*\[0, 255\].*clip=True"
    ):
        MinMax255().transform(X)


def test_clip_clips_out_of_range_values():
    X = np.array([[-10.0, 300.0, 127.5]])
    assert_allclose(MinMax255(clip=True).transform(X), [[0.0, 1.0, 0.5]])


@pytest.mark.parametrize("value", [np.nan, np.inf])
def test_nan_and_inf_are_rejected(value):
    X = np.array([[0.0, value]])
    with pytest.raises(ValueError, match="NaN|infinity"):
        MinMax255(clip=True).transform(X)


def test_bad_dtype_parameter():
    with pytest.raises(ValueError, match="'dtype' parameter of MinMax255 must be"):
        MinMax255(dtype=np.int32).fit(np.zeros((2, 2)))


def test_feature_names_and_pandas_output():
    pd = pytest.importorskip("pandas")
    X = pd.DataFrame({"a": [0, 255], "b": [51, 0]})
    scaler = MinMax255().set_output(transform="pandas").fit(X)
    out = scaler.transform(X)
    assert list(out.columns) == ["a", "b"]
    assert_array_equal(scaler.get_feature_names_out(), ["a", "b"])


def test_checks_feature_count_once_fitted():
    scaler = MinMax255().fit(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="3 features"):
        scaler.transform(np.zeros((2, 4)))


def test_unfitted_in_pipeline_and_clone():
    pipe = make_pipeline(MinMax255())
    assert_allclose(pipe.transform(np.array([[255]])), [[1.0]])
    assert clone(MinMax255(clip=True)).get_params()["clip"] is True


# ------------------------------------------------------- data scaled already
@pytest.fixture
def pixels():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 256, size=(60, 16)).astype(np.uint8)
    return X, (X[:, :8].mean(axis=1) > X[:, 8:].mean(axis=1)).astype(int)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fitted_pipeline_refuses_pixels_scaled_already(pixels, dtype):
    # Scaled twice, the pixels became nearly black and the predictions wrong,
    # silently (a network's accuracy fell from 0.69 to 0.08).
    X, y = pixels
    model = make_pipeline(MinMax255(), LogisticRegression()).fit(X, y)
    assert model[0].data_max_ == 255
    model.predict(X)
    with pytest.raises(ValueError) as info:
        model.predict((X / 255).astype(dtype))
    message = str(info.value)
    assert "already scaled: its values lie in [0, 1]" in message
    assert "fitted on pixel values up to 255" in message
    assert "Pass the pixels as they are (0-255)" in message
    with pytest.raises(ValueError, match="already scaled"):
        MinMax255(clip=True).fit(X).transform(X / 255)  # whatever clip


def test_what_is_not_taken_for_scaled_data(pixels):
    X, _ = pixels
    fitted = MinMax255().fit(X)
    # Black images, and 0s and 1s only (dark pixels as much as scaled ones).
    assert_array_equal(fitted.transform(np.zeros((2, 16))), 0)
    binary = (X > 127).astype(np.float64)
    assert_allclose(fitted.transform(binary), binary / 255)
    # Unfitted, or fitted on data in [0, 1], there is nothing to tell by.
    scaled = X / 255
    assert_allclose(MinMax255().transform(scaled), scaled / 255, rtol=1e-6)
    assert_allclose(MinMax255().fit(scaled).transform(scaled), scaled / 255, rtol=1e-6)


# -------------------------------------------------------------- images
@pytest.mark.parametrize("shape", [(5, 28, 28), (5, 8, 6, 3)])
def test_image_shaped_input_keeps_its_shape(shape):
    images = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    scaler = MinMax255().fit(images)
    assert scaler.n_features_in_ == np.prod(shape[1:])
    scaled = scaler.transform(images)
    assert scaled.shape == shape and scaled.dtype == np.float32
    assert_allclose(scaled, images / 255, rtol=1e-6)
    assert_allclose(scaler.inverse_transform(scaled), images, rtol=1e-6)
    # The same pixels as rows pass the feature-count check.
    rows = images.reshape(len(images), -1)
    assert_allclose(scaler.transform(rows), rows / 255, rtol=1e-6)
    with pytest.raises(ValueError, match="features"):
        scaler.transform(images[:, :4])


def test_pipeline_of_images_into_a_cnn(pixels):
    # What run_training does with train=(X of shape (n, 28, 28), y): it
    # failed in MinMax255 ("Found array with dim 3").
    from skfashion import CNNClassifier

    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(40, 28, 28), dtype=np.uint8)
    y = np.arange(40) % 2
    cnn = CNNClassifier(filters=(4,), dense_units=(8,), epochs=1, random_state=0)
    model = make_pipeline(MinMax255(), cnn).fit(images, y)
    assert model[-1].image_shape_ == (28, 28, 1)
    proba = model.predict_proba(images[:3])
    assert proba.shape == (3, 2)
    assert_allclose(model.predict_proba(images[:3].reshape(3, 784)), proba)


# ------------------------------------------------------------- failed fits
def test_failed_fit_leaves_the_fitted_transformer_as_it_was(pixels):
    pd = pytest.importorskip("pandas")
    X, _ = pixels
    columns = [f"p{i}" for i in range(16)]
    scaler = MinMax255().fit(pd.DataFrame(X, columns=columns))
    before = scaler.transform(pd.DataFrame(X, columns=columns))
    state = {name: getattr(scaler, name) for name in vars(scaler)}
    failing = [
        np.full((3, 4), np.nan),  # NaN, and another number of features
        np.full((3, 4), 300.0),  # values above 255, another number of features
        pd.DataFrame(np.full((3, 2), -1.0), columns=["x", "y"]),  # other names
        np.zeros(5),  # 1-dimensional
    ]
    for X_bad in failing:
        with pytest.raises(ValueError):
            scaler.fit(X_bad)
        assert vars(scaler).keys() == state.keys()
        assert scaler.n_features_in_ == 16 and scaler.data_max_ == state["data_max_"]
        assert_array_equal(scaler.feature_names_in_, columns)
        assert_array_equal(scaler.transform(pd.DataFrame(X, columns=columns)), before)
