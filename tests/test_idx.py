import gzip
import io
import os
import stat
import struct
import tracemalloc
from contextlib import contextmanager

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skfashion.datasets import read_idx, read_idx_header, write_idx

DTYPES = ["uint8", "int8", "int16", "int32", "float32", "float64"]
CODES = {
    "uint8": 0x08,
    "int8": 0x09,
    "int16": 0x0B,
    "int32": 0x0C,
    "float32": 0x0D,
    "float64": 0x0E,
}


def _sample(dtype, shape=(3, 4, 5)):
    n = int(np.prod(shape))
    if np.dtype(dtype).kind in "iu":
        info = np.iinfo(dtype)
        return np.linspace(info.min, info.max, num=n).astype(dtype).reshape(shape)
    values = np.linspace(-1e6, 1e6, num=n).astype(dtype)
    values[:3] = [np.finfo(dtype).min, np.finfo(dtype).max, np.finfo(dtype).tiny]
    return values.reshape(shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("compress", [False, True])
def test_round_trip_every_type_code(tmp_path, dtype, compress):
    array = _sample(dtype)
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    write_idx(path, array)
    raw = path.read_bytes()
    if compress:
        assert raw[:2] == b"\x1f\x8b"
        raw = gzip.decompress(raw)
    # The header is the format's: two zero bytes, type code, ndim, big-endian dims.
    assert raw[:4] == bytes([0, 0, CODES[dtype], 3])
    assert struct.unpack(">3I", raw[4:16]) == (3, 4, 5)
    assert raw[16:] == array.astype(np.dtype(dtype).newbyteorder(">")).tobytes()

    for loaded in (read_idx(path), read_idx(path, mmap=True)):
        assert loaded.dtype == np.dtype(dtype) and loaded.dtype.isnative
        assert_array_equal(loaded, array)
        assert loaded.flags.writeable


@pytest.mark.parametrize("shape", [(0,), (7,), (2, 0, 3), (1, 1, 1, 1, 2)])
def test_round_trip_shapes_through_file_objects(shape):
    array = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    for compress in (False, True):
        buffer = io.BytesIO()
        write_idx(buffer, array, compress=compress)
        buffer.seek(0)
        assert_array_equal(read_idx(buffer), array)
        assert read_idx(io.BytesIO(buffer.getvalue())).shape == shape


def test_ubyte_read_is_zero_copy(tmp_path):
    path = tmp_path / "x.idx"
    write_idx(path, np.arange(12, dtype=np.uint8).reshape(3, 4))
    array = read_idx(path)
    # A view on the file's buffer, not a copy of it.
    assert array.base is not None and not array.flags.owndata
    mapped = read_idx(path, mmap=True)
    assert isinstance(mapped, np.memmap)


def test_mmap_is_copy_on_write(tmp_path):
    path = tmp_path / "x.idx"
    write_idx(path, np.zeros((2, 2), dtype=np.uint8))
    before = path.read_bytes()
    array = read_idx(path, mmap=True)
    array[0, 0] = 7
    del array
    assert path.read_bytes() == before


def test_non_seekable_stream():
    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self._data = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, b):
            chunk = self._data.read(len(b))
            b[: len(chunk)] = chunk
            return len(chunk)

    buffer = io.BytesIO()
    write_idx(buffer, np.arange(10, dtype=np.int16), compress=True)
    assert_array_equal(read_idx(Pipe(buffer.getvalue())), np.arange(10))


def test_write_is_atomic_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / "x.idx"
    with pytest.raises(ValueError, match="dtype"):
        write_idx(path, np.zeros(3, dtype=np.complex64))
    assert list(tmp_path.iterdir()) == []
    write_idx(path, np.zeros(3, dtype=np.uint8))
    assert [p.name for p in tmp_path.iterdir()] == ["x.idx"]


@contextmanager
def _umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o002, 0o077])
@pytest.mark.parametrize("name", ["x.idx", "x.idx.gz"])
def test_written_files_follow_the_umask(tmp_path, mask, name):
    # As open() would: a folder shared with other users stays readable to
    # them (tempfile.mkstemp made every file 0600, whatever the umask).
    path = tmp_path / name
    with _umask(mask):
        write_idx(path, np.zeros(3, dtype=np.uint8))
        mode = stat.S_IMODE(path.stat().st_mode)
    assert mode == 0o666 & ~mask, oct(mode)
    assert [p.name for p in tmp_path.iterdir()] == [name]  # no temporary file left


@pytest.mark.parametrize("dtype", ["complex64", "uint16", "int64", "bool", "object"])
def test_write_rejects_types_idx_cannot_hold(dtype):
    with pytest.raises(ValueError, match="IDX files cannot hold dtype"):
        write_idx(io.BytesIO(), np.zeros(2, dtype=dtype))


def _header(code=0x08, dims=(2, 2)):
    return bytes([0, 0, code, len(dims)]) + struct.pack(f">{len(dims)}I", *dims)


MALFORMED = {
    "empty": (b"", "truncated.*4-byte magic"),
    "short magic": (b"\x00\x00", "truncated.*4-byte magic"),
    "bad magic": (b"\x01\x02\x08\x01" + b"\x00" * 8, "not an IDX file: bad magic"),
    "unknown type": (_header(code=0x0A) + b"\x00" * 4, "unknown type code 0x0A"),
    "truncated dims": (
        bytes([0, 0, 8, 3]) + b"\x00\x00\x00\x02",
        "truncated in its header",
    ),
    "truncated data": (
        _header() + b"\x00" * 3,
        "truncated: its header declares 4 bytes.*holds 3",
    ),
    "trailing bytes": (_header() + b"\x00" * 5, "trailing bytes"),
    "int32 short": (
        _header(code=0x0C) + b"\x00" * 15,
        "truncated: its header declares 16 bytes.*holds 15",
    ),
    "huge claim": (
        _header(dims=(0xFFFFFFFF,) * 3) + b"\x00" * 10,
        "more than this machine can address",
    ),
}


@pytest.mark.parametrize("name", MALFORMED)
@pytest.mark.parametrize("compress", [False, True])
def test_malformed_files_raise_clear_errors(tmp_path, name, compress):
    payload, message = MALFORMED[name]
    path = tmp_path / f"bad{'.gz' if compress else ''}"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(ValueError, match=message) as info:
        read_idx(path)
    assert str(path) in str(info.value)  # the message names the file
    if not compress:
        with pytest.raises(ValueError, match=message):
            read_idx(path, mmap=True)


def test_header_claiming_more_than_the_file_does_not_allocate(tmp_path):
    # 4 GiB claimed, 10 bytes present, and no max_bytes to refuse the claim:
    # rejected from what was read, not by allocating 4 GiB first (that would
    # take seconds and might fail).
    path = tmp_path / "liar.idx"
    path.write_bytes(_header(dims=(1 << 16, 1 << 16)) + b"\x00" * 10)
    with pytest.raises(
        ValueError, match="truncated: its header declares 4294967296 bytes.*holds 10"
    ):
        read_idx(path, max_bytes=None)


def _peak_of(function):
    """(what function() returned or raised, the peak of Python's allocations)."""
    tracemalloc.start()
    try:
        outcome = function()
    except ValueError as exc:
        outcome = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return outcome, peak


@pytest.fixture
def gzip_bomb(tmp_path):
    """A 17 kB gzip file whose header declares, and whose data expands to, 16 MiB."""
    path = tmp_path / "bomb-idx2-ubyte.gz"
    path.write_bytes(gzip.compress(_header(dims=(4096, 4096)) + bytes(1 << 24)))
    assert path.stat().st_size < 20_000
    return path


def test_max_bytes_refuses_a_gzip_bomb_before_decompressing(gzip_bomb):
    error, peak = _peak_of(lambda: read_idx(gzip_bomb, max_bytes=1 << 20))
    assert isinstance(error, ValueError)
    message = str(error)
    assert str(gzip_bomb) in message
    assert "declares 16777216 bytes of data (shape (4096, 4096), type uint8)" in message
    assert "more than max_bytes=1048576" in message
    assert "pass a larger max_bytes" in message and "read_idx_header" in message
    assert peak < 1 << 20  # the data was never decompressed
    # A caller that expects that much raises the bound, and gets the data.
    array = read_idx(gzip_bomb, max_bytes=1 << 24)
    assert array.shape == (4096, 4096) and not array.any()


def test_default_max_bytes_refuses_billions_of_values(tmp_path):
    # The case: a 12-byte header declaring 1.6 billion values. Refused
    # at once by the default bound (1 GiB), from the header alone.
    path = tmp_path / "huge-idx2-ubyte.gz"
    path.write_bytes(gzip.compress(_header(dims=(40000, 40000)) + bytes(1 << 20)))
    for source in (path, io.BytesIO(path.read_bytes())):
        error, peak = _peak_of(lambda: read_idx(source))  # noqa: B023
        assert isinstance(error, ValueError)
        assert "declares 1600000000 bytes" in str(error)
        assert "max_bytes=1073741824" in str(error)
        assert peak < 1 << 20


def test_max_bytes_holds_for_memory_maps_and_exact_sizes(tmp_path):
    path = tmp_path / "x.idx"
    write_idx(path, np.zeros((10, 10), dtype=np.int16))  # 200 bytes of data
    for mmap in (False, True):
        assert read_idx(path, mmap=mmap, max_bytes=200).shape == (10, 10)
        with pytest.raises(ValueError, match="declares 200 bytes.*max_bytes=199"):
            read_idx(path, mmap=mmap, max_bytes=199)


@pytest.mark.parametrize("max_bytes", [-1, 1.5, True, "1GB"])
def test_invalid_max_bytes(tmp_path, max_bytes):
    path = tmp_path / "x.idx"
    write_idx(path, np.zeros(3, dtype=np.uint8))
    with pytest.raises(ValueError, match="'max_bytes' parameter of read_idx must be"):
        read_idx(path, max_bytes=max_bytes)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("compress", [False, True])
def test_read_idx_header_gives_the_type_and_shape(tmp_path, dtype, compress):
    array = _sample(dtype, shape=(2, 3, 4))
    path = tmp_path / ("a.idx.gz" if compress else "a.idx")
    write_idx(path, array)
    for source in (path, str(path), io.BytesIO(path.read_bytes())):
        assert read_idx_header(source) == (np.dtype(dtype), (2, 3, 4))
    dtype_read, _ = read_idx_header(path)
    assert dtype_read.isnative and dtype_read == read_idx(path).dtype


def test_read_idx_header_reads_only_the_header(gzip_bomb):
    header, peak = _peak_of(lambda: read_idx_header(gzip_bomb))
    assert header == (np.dtype(np.uint8), (4096, 4096))
    assert peak < 1 << 20


@pytest.mark.parametrize(
    "name", ["empty", "bad magic", "unknown type", "truncated dims", "huge claim"]
)
def test_read_idx_header_refuses_malformed_headers(tmp_path, name):
    payload, message = MALFORMED[name]
    path = tmp_path / "bad"
    path.write_bytes(payload)
    with pytest.raises(ValueError, match=message):
        read_idx_header(path)


@pytest.mark.parametrize(
    "damage",
    [
        lambda z: z[: len(z) // 2],  # cut in the middle of the deflate stream
        lambda z: z[:10] + bytes([z[10] ^ 0xFF]) + z[11:],  # corrupt deflate data
        lambda z: z[:-4] + b"\x00\x00\x00\x00",  # wrong length in the trailer
        lambda z: z[:-8] + bytes([z[-8] ^ 0x01]) + z[-7:],  # wrong CRC
    ],
    ids=["cut", "flipped", "bad-size", "bad-crc"],
)
def test_gzip_errors_are_value_errors(tmp_path, damage):
    buffer = io.BytesIO()
    write_idx(buffer, np.arange(1000, dtype=np.int32), compress=True)
    path = tmp_path / "broken.gz"
    path.write_bytes(damage(buffer.getvalue()))
    with pytest.raises(ValueError, match=r"broken\.gz"):
        read_idx(path)


def test_real_files_read_end_to_end(real_data_dir):
    images = read_idx(real_data_dir / "t10k-images-idx3-ubyte.gz")
    labels = read_idx(real_data_dir / "t10k-labels-idx1-ubyte.gz")
    assert images.shape == (10000, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (10000,) and labels.dtype == np.uint8
    assert np.bincount(labels).tolist() == [1000] * 10


@pytest.mark.parametrize(
    "code, dims, expected",
    [
        (0x0E, (40000, 40000), "float64 data of shape (40000, 40000)"),
        (0x08, (1 << 20, 28, 27), "uint8 data of shape (1048576, 28, 27)"),
    ],
    ids=["floats", "not-28x28"],
)
def test_predict_checks_an_idx_header_before_reading_its_data(
    tmp_path, capsys, code, dims, expected
):
    # `skfashion predict` on a small gzip file declaring gigabytes of data
    # that are not 28x28 uint8 images: refused from the header alone, before
    # the data is decompressed and before any model is loaded.
    from skfashion.cli import main

    run = tmp_path / "run"
    run.mkdir()
    # What a saved CNN's JSON says of its input; the network itself is never
    # loaded: the input fails first.
    (run / "estimator.json").write_text(
        '{"n_features_in": 784, "image_shape": [28, 28, 1]}'
    )
    (run / "model.keras").write_bytes(b"never read")
    path = tmp_path / "images-idx3-ubyte.gz"
    path.write_bytes(gzip.compress(_header(code, dims) + bytes(1 << 20)))
    status, peak = _peak_of(lambda: main(["predict", str(run), str(path)]))
    err = capsys.readouterr().err
    assert status == 1
    assert f"{path} holds {expected}; expected uint8 images" in err
    assert peak < 1 << 20
