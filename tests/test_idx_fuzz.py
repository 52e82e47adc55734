"""read_idx under a property-based fuzzer: only ever ValueError, fast, small.

Random bytes, headers with any type code, dimension count and sizes, valid
files with flipped, cut, inserted or appended bytes, raw or gzip-compressed,
read from a path, a memory map and a file object. Whatever the input,
read_idx returns an array or raises ValueError: no other exception, and no
allocation beyond a few times what the file holds. No time limit is
asserted: a busy machine would break it.
"""

import gzip
import io
import struct
import tracemalloc

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from skfashion.datasets import read_idx, write_idx

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run
    suppress_health_check=[HealthCheck.function_scoped_fixture],
    database=None,
)
# Known type codes, and a few unknown ones.
TYPE_CODES = [0x08, 0x09, 0x0B, 0x0C, 0x0D, 0x0E, 0x00, 0x0A, 0xFF]
DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
# Inputs are at most a few kB and decompress to at most ~1000 times that:
# no valid read of them needs more, whatever the header claims.
MAX_PEAK = 8 << 20


def _header(code: int, dims: list[int]) -> bytes:
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


def _read_all_ways(path, payload: bytes):
    """read_idx on a path, a memory map and a file object; results or errors."""
    path.write_bytes(payload)
    outcomes = []
    for read in (
        lambda: read_idx(path),
        lambda: read_idx(path, mmap=True),
        lambda: read_idx(io.BytesIO(payload)),
    ):
        tracemalloc.start()
        try:
            outcome = read()
        except ValueError as exc:
            outcome = exc
        finally:
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        assert peak < MAX_PEAK, f"read_idx allocated {peak} bytes"
        if isinstance(outcome, ValueError):
            assert str(outcome), "an error without a message"
        else:
            assert isinstance(outcome, np.ndarray) and outcome.dtype.isnative
        outcomes.append(outcome)
    return outcomes


def _same_outcome(outcomes):
    """The three ways agree: all the same array, or all an error."""
    first = outcomes[0]
    for other in outcomes[1:]:
        if isinstance(first, ValueError):
            assert isinstance(other, ValueError)
        else:
            assert isinstance(other, np.ndarray)
            np.testing.assert_array_equal(other, first)


@FUZZ
@given(payload=st.binary(max_size=600), compress=st.booleans())
@example(payload=b"", compress=False)
@example(payload=b"\x1f\x8b", compress=False)  # gzip magic, nothing else
def test_random_bytes(tmp_path, payload, compress):
    if compress:
        payload = gzip.compress(payload, mtime=0)
    _same_outcome(_read_all_ways(tmp_path / "random", payload))


@st.composite
def headers_and_bodies(draw):
    code = draw(st.sampled_from(TYPE_CODES))
    ndim = draw(st.one_of(st.integers(0, 4), st.integers(5, 255)))
    small = st.integers(0, 6)
    huge = st.sampled_from([0xFFFF, 0x10000, 0x7FFFFFFF, 0xFFFFFFFF])
    dims = draw(
        st.lists(st.one_of(small, huge), min_size=min(ndim, 8), max_size=min(ndim, 8))
    )
    dims = [*dims, *[1] * (ndim - len(dims))]  # many dimensions, mostly of 1
    length = draw(st.integers(0, 400))
    body = draw(st.binary(min_size=length, max_size=length))
    return _header(code, dims), body


@FUZZ
@given(parts=headers_and_bodies(), cut=st.integers(0, 8), compress=st.booleans())
@example(parts=(_header(0x08, [0xFFFFFFFF] * 3), b"\x00" * 10), cut=0, compress=False)
@example(parts=(_header(0x0E, [0, 0xFFFFFFFF, 0xFFFFFFFF]), b""), cut=0, compress=True)
@example(parts=(_header(0x08, [1] * 100), b"\x00"), cut=0, compress=False)
def test_random_headers(tmp_path, parts, cut, compress):
    header, body = parts
    payload = header[: len(header) - cut] + body if cut else header + body
    if compress:
        payload = gzip.compress(payload, mtime=0)
    _same_outcome(_read_all_ways(tmp_path / "header", payload))


@st.composite
def valid_files(draw):
    dtype = draw(st.sampled_from(DTYPES))
    shape = tuple(draw(st.lists(st.integers(0, 5), min_size=0, max_size=3)))
    n = int(np.prod(shape))
    raw = draw(st.binary(min_size=n * np.dtype(dtype).itemsize, max_size=n * 8))
    array = np.frombuffer(raw[: n * np.dtype(dtype).itemsize], dtype=dtype)
    buffer = io.BytesIO()
    write_idx(buffer, array.reshape(shape), compress=draw(st.booleans()))
    return buffer.getvalue(), array.reshape(shape)


MUTATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
        st.tuples(st.just("cut"), st.integers(0, 10**6)),
        st.tuples(
            st.just("insert"), st.integers(0, 10**6), st.binary(min_size=1, max_size=4)
        ),
        st.tuples(st.just("delete"), st.integers(0, 10**6)),
    ),
    min_size=1,
    max_size=3,
)


def _mutate(payload: bytes, mutations) -> bytes:
    data = bytearray(payload)
    for mutation in mutations:
        where = mutation[1] % (len(data) + 1)
        if mutation[0] == "flip" and where < len(data):
            data[where] ^= mutation[2]
        elif mutation[0] == "cut":
            del data[where:]
        elif mutation[0] == "insert":
            data[where:where] = mutation[2]
        elif mutation[0] == "delete" and where < len(data):
            del data[where]
    return bytes(data)


@FUZZ
@given(file=valid_files(), mutations=MUTATIONS)
def test_mutated_valid_files(tmp_path, file, mutations):
    payload, array = file
    # Unharmed, every way of reading gives the array back.
    for outcome in _read_all_ways(tmp_path / "valid", payload):
        np.testing.assert_array_equal(outcome, array)
    # Harmed, an array or a ValueError; a gzip CRC catches any harm to a
    # compressed file's content.
    _same_outcome(_read_all_ways(tmp_path / "mutated", _mutate(payload, mutations)))


@pytest.mark.parametrize("compress", [False, True])
@pytest.mark.parametrize(
    "dims", [(1 << 16, 1 << 16), (3 << 20,), (1000, 1000, 1000)], ids=str
)
def test_header_claiming_more_than_the_file_allocates_little(tmp_path, dims, compress):
    # 4 GiB, 3 MiB and 1 GB claimed, 100 bytes present, and no max_bytes to
    # refuse the claim: the error comes from what was read, with far less
    # memory than claimed (the first read asks for 64 kiB; each further read
    # at most what was already read).
    payload = _header(0x08, list(dims)) + b"\x07" * 100
    path = tmp_path / "liar.idx"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match=r"truncated.*holds 100\b"):
            read_idx(path, max_bytes=None)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20, f"{peak} bytes allocated for a 116-byte file"


@pytest.mark.parametrize(
    "dims, message",
    [
        ([1] * 65, "declares 65 dimensions; NumPy arrays have at most"),
        ([0, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF], "more than this machine"),
    ],
    ids=["too-many-dimensions", "zero-and-huge"],
)
def test_shapes_numpy_refuses_name_the_file(tmp_path, dims, message):
    path = tmp_path / "odd.idx"
    path.write_bytes(_header(0x08, dims) + b"\x00")
    for mmap in (False, True):
        with pytest.raises(ValueError, match=message) as info:
            read_idx(path, mmap=mmap)
        assert str(path) in str(info.value)
