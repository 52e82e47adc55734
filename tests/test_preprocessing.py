import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal
from sklearn.base import clone
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
