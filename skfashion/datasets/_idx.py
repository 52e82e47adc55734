"""Reading and writing the IDX file format of (Fashion-)MNIST.

An IDX file is a 4-byte magic number ``0x00 0x00 <type> <ndim>``, ``ndim``
big-endian uint32 dimension sizes, then the items in C order, big-endian.
See http://yann.lecun.com/exdb/mnist/ (bottom of the page).
"""

from __future__ import annotations

import gzip
import math
import os
import zlib
from collections.abc import Callable
from numbers import Integral
from pathlib import Path
from typing import BinaryIO

import numpy as np

from .._param_validation import Interval, validate_params
from ._base import create_beside

__all__ = ["read_idx", "read_idx_header", "write_idx"]

# Type byte -> big-endian numpy dtype, as the format defines them.
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_TYPE_CODES = {dtype.newbyteorder("="): code for code, dtype in _IDX_DTYPES.items()}
_GZIP_MAGIC = b"\x1f\x8b"
# Reads are done in chunks that grow with what was read, from _FIRST_CHUNK up
# to _CHUNK, so that a header claiming more data than the file holds can never
# make us allocate that much memory up front: at most about twice what the
# file holds.
_FIRST_CHUNK = 1 << 16
_CHUNK = 1 << 24
# NumPy's limit on the number of dimensions of an array.
_MAX_NDIM = 64 if np.lib.NumpyVersion(np.__version__) >= "2.0.0" else 32
# read_idx's default bound on the data a header may declare: 1 GiB, twenty
# times Fashion-MNIST's 70,000 images. A 1.6 MB gzip file can expand to
# 1.6 GB, so what the file's size shows is no bound.
_MAX_BYTES = 1 << 30

PathOrFile = str | os.PathLike | BinaryIO


def _describe(source) -> str:
    if isinstance(source, str | os.PathLike):
        return f"'{os.fspath(source)}'"
    name = getattr(source, "name", None)
    return f"'{name}'" if isinstance(name, str) else repr(source)


def _truncated(where: str, nbytes: int, shape: tuple[int, ...], found: int) -> str:
    return (
        f"IDX file {where} is truncated: its header declares {nbytes} bytes of "
        f"data (shape {shape}), the file holds {found}. The file is incomplete "
        "or corrupt; write or download it again."
    )


def _read_exactly(
    stream: BinaryIO, nbytes: int, shape: tuple[int, ...], where: str
) -> bytearray:
    """Read the data into a writable buffer that grows only as data comes."""
    buf = bytearray()
    while len(buf) < nbytes:
        want = min(nbytes - len(buf), max(_FIRST_CHUNK, min(len(buf), _CHUNK)))
        chunk = stream.read(want)
        if not chunk:
            raise ValueError(_truncated(where, nbytes, shape, len(buf)))
        buf += chunk
    return buf


def _parse_header(stream: BinaryIO, where: str) -> tuple[np.dtype, tuple[int, ...]]:
    magic = stream.read(4)
    if len(magic) < 4:
        raise ValueError(
            f"IDX file {where} is truncated: it holds {len(magic)} bytes, "
            "fewer than the 4-byte magic number."
        )
    if magic[:2] != b"\x00\x00":
        raise ValueError(
            f"{where} is not an IDX file: bad magic number 0x{magic.hex()} "
            "(an IDX file starts with two zero bytes, a type byte and the "
            "number of dimensions)."
        )
    code, ndim = magic[2], magic[3]
    if code not in _IDX_DTYPES:
        known = ", ".join(f"0x{c:02X}" for c in _IDX_DTYPES)
        raise ValueError(
            f"IDX file {where} has unknown type code 0x{code:02X}; "
            f"known codes are {known}."
        )
    raw_dims = stream.read(4 * ndim)
    if len(raw_dims) < 4 * ndim:
        raise ValueError(
            f"IDX file {where} is truncated in its header: {ndim} dimensions "
            f"need {4 * ndim} bytes, found {len(raw_dims)}."
        )
    shape = tuple(int(d) for d in np.frombuffer(raw_dims, dtype=">u4"))
    return _IDX_DTYPES[code], shape


def _nbytes(dtype: np.dtype, shape: tuple[int, ...], where: str) -> int:
    if len(shape) > _MAX_NDIM:
        raise ValueError(
            f"IDX file {where} declares {len(shape)} dimensions; NumPy arrays "
            f"have at most {_MAX_NDIM}. The header is corrupt."
        )
    # Python integers cannot overflow; numpy's would, silently. NumPy refuses
    # a shape whose nonzero dimensions overflow even if another one is 0.
    size = dtype.itemsize * math.prod(d for d in shape if d)
    if size > np.iinfo(np.intp).max:
        raise ValueError(
            f"IDX file {where} declares shape {shape}, which needs {size} "
            "bytes: more than this machine can address. The header is corrupt."
        )
    return dtype.itemsize * math.prod(shape)


def _to_native(array: np.ndarray) -> np.ndarray:
    """Swap a big-endian array to native order in place (no copy)."""
    if array.dtype.isnative:
        return array
    array.byteswap(inplace=True)
    return array.view(array.dtype.newbyteorder("="))


def _check_max_bytes(
    nbytes: int, dtype: np.dtype, shape: tuple[int, ...], max_bytes, where: str
) -> None:
    if max_bytes is not None and nbytes > max_bytes:
        raise ValueError(
            f"IDX file {where} declares {nbytes} bytes of data (shape {shape}, "
            f"type {dtype.newbyteorder('=')}), more than max_bytes={max_bytes}; "
            "nothing beyond its header was read. If you expect that much data, "
            "pass a larger max_bytes (None for no limit); read_idx_header tells "
            "the shape without reading the data."
        )


def _read_stream(stream: BinaryIO, where: str, max_bytes: int | None) -> np.ndarray:
    dtype, shape = _parse_header(stream, where)
    nbytes = _nbytes(dtype, shape, where)
    _check_max_bytes(nbytes, dtype, shape, max_bytes, where)
    buf = _read_exactly(stream, nbytes, shape, where)
    if stream.read(1):
        raise ValueError(
            f"IDX file {where} has trailing bytes after the {nbytes} bytes of "
            f"data its header declares (shape {shape}, type {dtype.str}). "
            "The file is corrupt or not what its header says."
        )
    array = np.frombuffer(buf, dtype=dtype).reshape(shape)
    return _to_native(array)


def _mmap(path: Path, where: str, max_bytes: int | None) -> np.ndarray:
    with open(path, "rb") as stream:
        dtype, shape = _parse_header(stream, where)
        offset = stream.tell()
    nbytes = _nbytes(dtype, shape, where)
    _check_max_bytes(nbytes, dtype, shape, max_bytes, where)
    actual = path.stat().st_size - offset
    if actual < nbytes:
        raise ValueError(_truncated(where, nbytes, shape, actual))
    if actual > nbytes:
        raise ValueError(
            f"IDX file {where} has trailing bytes: its header declares {nbytes} "
            f"bytes of data (shape {shape}), the file holds {actual}. The file "
            "is corrupt or not what its header says."
        )
    if nbytes == 0:  # np.memmap refuses empty files
        return np.zeros(shape, dtype=dtype.newbyteorder("="))
    # Copy-on-write: the array is writable, the file is never modified.
    array = np.memmap(path, dtype=dtype, mode="c", offset=offset, shape=shape)
    return _to_native(array) if dtype.itemsize > 1 else array


@validate_params(
    {
        "mmap": ["boolean"],
        "max_bytes": [Interval(Integral, 0, None, closed="left"), None],
    }
)
def read_idx(
    source: PathOrFile, *, mmap: bool = False, max_bytes: int | None = _MAX_BYTES
) -> np.ndarray:
    """Read an array from an IDX file, gzip-compressed or not.

    IDX is the file format of (Fashion-)MNIST: a 4-byte magic number (two
    zero bytes, a type code and the number of dimensions), one big-endian
    4-byte size per dimension, then the data in C order, big-endian. Every
    type of the format is read: uint8, int8, int16, int32, float32 and
    float64. The format allows up to 255 dimensions, NumPy arrays up to 64
    (32 before NumPy 2.0); a file that declares more raises a ``ValueError``.

    Parameters
    ----------
    source : str, path-like or binary file object
        The file to read. Gzip compression is recognised by the file's
        content, not its name.
    mmap : bool, default=False
        Memory-map an uncompressed file instead of reading it, so that
        loading is nearly free and pages are read on first access. The
        array is copy-on-write: writing to it never changes the file.
        Ignored for gzip-compressed files and file objects.
    max_bytes : int or None, default=1_073_741_824
        The most bytes of data (1 GiB by default) the header may declare.
        A file whose header declares more raises a ``ValueError`` before any
        of its data is read or decompressed: a small gzip file can declare,
        and expand to, gigabytes. Pass a larger value to read larger files,
        or None for no limit. Memory-mapped files are held to it too.

    Returns
    -------
    array : ndarray
        The data, in native byte order, with the shape of the file's header.
        One-byte types are returned without a copy of the file's buffer.

    Raises
    ------
    ValueError
        If the data is not a valid IDX file (bad magic number, unknown type
        code, truncated data, trailing bytes, a size that cannot be
        allocated, more dimensions than NumPy allows), not a valid gzip
        stream, or its header declares more than ``max_bytes``. The message
        names the file.

    See Also
    --------
    read_idx_header : Read only the header: the data's type and shape.
    write_idx : Write an array to an IDX file.
    fetch_fashion_mnist : Fashion-MNIST's own IDX files, downloaded and cached.

    Examples
    --------
    >>> import numpy as np
    >>> from skfashion.datasets import read_idx, write_idx
    >>> images = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    >>> write_idx("images-idx3-ubyte.gz", images)  # a .gz name is gzipped
    >>> read_idx("images-idx3-ubyte.gz").shape  # gzip is recognized by content
    (2, 3, 4)
    >>> write_idx("images-idx3-ubyte", images)
    >>> mapped = read_idx("images-idx3-ubyte", mmap=True)  # nothing read yet
    >>> bool((mapped == images).all())
    True
    """
    where = _describe(source)

    def read(stream: BinaryIO) -> np.ndarray:
        return _read_stream(stream, where, max_bytes)

    if isinstance(source, str | os.PathLike):
        path = Path(source)
        with open(path, "rb") as stream:
            compressed = stream.read(2) == _GZIP_MAGIC
        if mmap and not compressed:
            return _mmap(path, where, max_bytes)
        with open(path, "rb") as stream:
            return _read_any(stream, where, read)
    return _read_any(source, where, read)


def read_idx_header(source: PathOrFile) -> tuple[np.dtype, tuple[int, ...]]:
    """Read only the header of an IDX file: the type and shape of its data.

    Nothing after the header is read, so this is a cheap way to check what
    a file holds (a gzip-compressed file is decompressed only as far as its
    header) before :func:`read_idx` reads it, for example to refuse a file
    that declares far more images than expected.

    Parameters
    ----------
    source : str, path-like or binary file object
        The file. Gzip compression is recognised by the file's content. A
        file object is read from its current position, and left after the
        header.

    Returns
    -------
    dtype : numpy.dtype
        The type of the data, in native byte order, as :func:`read_idx`
        returns it.
    shape : tuple of int
        The shape of the data, as its header declares it.

    Raises
    ------
    ValueError
        If the header is not a valid IDX header (bad magic number, unknown
        type code, truncated, more dimensions than NumPy allows or a size
        that cannot be allocated), or the file is not a valid gzip stream.

    See Also
    --------
    read_idx : Read the whole file.

    Examples
    --------
    >>> import numpy as np
    >>> from skfashion.datasets import read_idx_header, write_idx
    >>> write_idx("images-idx3-ubyte.gz", np.zeros((5, 28, 28), dtype=np.uint8))
    >>> read_idx_header("images-idx3-ubyte.gz")
    (dtype('uint8'), (5, 28, 28))
    """
    where = _describe(source)

    def header(stream: BinaryIO) -> tuple[np.dtype, tuple[int, ...]]:
        dtype, shape = _parse_header(stream, where)
        _nbytes(dtype, shape, where)  # what read_idx would refuse as corrupt
        return dtype.newbyteorder("="), shape

    if isinstance(source, str | os.PathLike):
        with open(source, "rb") as stream:
            return _read_any(stream, where, header)
    return _read_any(source, where, header)


class _Prefixed:
    """A read-only stream that replays ``head`` before reading ``stream``.

    It lets us sniff the gzip magic of streams that can neither seek nor peek.
    """

    def __init__(self, head: bytes, stream: BinaryIO):
        self._head = head
        self._stream = stream

    def read(self, n: int = -1) -> bytes:
        if not self._head:
            return self._stream.read(n)
        if 0 <= n <= len(self._head):
            out, self._head = self._head[:n], self._head[n:]
            return out
        out, self._head = self._head, b""
        return out + self._stream.read(-1 if n < 0 else n - len(out))


def _read_any(stream: BinaryIO, where: str, read: Callable):
    """``read(stream)``, through gzip decompression if the stream is gzipped."""
    head = stream.read(2)
    stream = _Prefixed(head, stream)
    if head != _GZIP_MAGIC:
        return read(stream)
    try:
        with gzip.GzipFile(fileobj=stream, mode="rb") as unzipped:
            return read(unzipped)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise ValueError(
            f"{where} is not a valid gzip file ({exc}). The file is probably "
            "corrupt or incompletely downloaded; fetch it again."
        ) from exc


def write_idx(
    target: PathOrFile, array: np.ndarray, *, compress: bool | None = None
) -> None:
    """Write an array to an IDX file.

    The header is the magic number (two zero bytes, the type code of the
    array's dtype and its number of dimensions), then each dimension's size
    as a big-endian 4-byte integer; the data follows in C order, big-endian.
    Gzip output is reproducible byte for byte.

    Parameters
    ----------
    target : str, path-like or binary file object
        Where to write. A path is written atomically: to a temporary file in
        the same folder, renamed into place once complete. The file gets the
        permissions ``open()`` would give it (0666 less the umask).
    array : array-like
        Data of dtype uint8, int8, int16, int32, float32 or float64, with at
        most 255 dimensions of at most 2**32 - 1 items each.
    compress : bool, default=None
        Gzip the output. ``None`` compresses when ``target`` is a path ending
        in ``.gz`` and does not compress otherwise.

    Raises
    ------
    ValueError
        If the array's dtype or shape cannot be stored in an IDX file.

    See Also
    --------
    read_idx : Read an array from an IDX file.

    Examples
    --------
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from skfashion.datasets import write_idx
    >>> write_idx("labels-idx1-ubyte", np.array([3, 1, 4], dtype=np.uint8))
    >>> Path("labels-idx1-ubyte").read_bytes().hex(" ")  # magic, size, data
    '00 00 08 01 00 00 00 03 03 01 04'
    """
    array = np.asarray(array)
    code = _TYPE_CODES.get(array.dtype.newbyteorder("="))
    if code is None:
        raise ValueError(
            f"IDX files cannot hold dtype {array.dtype}; convert the array to "
            "one of uint8, int8, int16, int32, float32 or float64 first."
        )
    if array.ndim > 255 or any(d > 0xFFFFFFFF for d in array.shape):
        raise ValueError(
            f"IDX files hold at most 255 dimensions of at most 2**32 - 1 items; "
            f"got shape {array.shape}."
        )
    header = (
        bytes([0, 0, code, array.ndim]) + np.asarray(array.shape, dtype=">u4").tobytes()
    )
    body = np.ascontiguousarray(array, dtype=_IDX_DTYPES[code])

    if not isinstance(target, str | os.PathLike):
        _write_stream(target, header, body, bool(compress))
        return
    path = Path(target)
    if compress is None:
        compress = path.suffix == ".gz"
    fd, tmp = create_beside(path)  # with the umask's permissions, as open() would
    try:
        with os.fdopen(fd, "wb") as stream:
            _write_stream(stream, header, body, compress)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def _write_stream(stream: BinaryIO, header: bytes, body: np.ndarray, compress: bool):
    if compress:
        # mtime=0 makes the output reproducible byte for byte.
        with gzip.GzipFile(fileobj=stream, mode="wb", mtime=0) as zipped:
            zipped.write(header)
            zipped.write(body.reshape(-1).view(np.uint8))
    else:
        stream.write(header)
        stream.write(body.reshape(-1).view(np.uint8))
