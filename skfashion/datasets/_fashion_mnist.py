"""Fashion-MNIST: 70,000 28x28 grayscale images of 10 kinds of clothing."""

from __future__ import annotations

import os
import warnings
from importlib import resources
from numbers import Integral, Real
from pathlib import Path
from typing import NamedTuple

import numpy as np
from sklearn.utils import Bunch

from .._param_validation import Interval, SequenceOf, StrOptions, validate_params
from ._base import (
    cannot_write,
    check_mirrors,
    fetch_verified,
    get_data_home,
    sha256_of,
)
from ._idx import read_idx, write_idx

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_MIRRORS",
    "fetch_fashion_mnist",
    "verify_fashion_mnist",
]

#: The class names, in label order.
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

# The TensorFlow bucket comes first because it serves HTTPS; Zalando's own
# host serves plain HTTP only. Every file is checked against its SHA-256.
#: The base URLs Fashion-MNIST is downloaded from by default, in order.
FASHION_MNIST_MIRRORS = (
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
)


class _RemoteFile(NamedTuple):
    filename: str
    sha256: str
    shape: tuple[int, ...]
    raw_sha256: str  # of the decompressed file the cache keeps beside it


# The official files (their MD5s are the ones Zalando Research publishes).
_FILES = {
    ("train", "images"): _RemoteFile(
        "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        (60000, 28, 28),
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
    ),
    ("train", "labels"): _RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        (60000,),
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
    ),
    ("test", "images"): _RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        (10000, 28, 28),
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
    ),
    ("test", "labels"): _RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        (10000,),
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
    ),
}
_SUBSETS = {"train": ("train",), "test": ("test",), "all": ("train", "test")}
_FOLDER = "fashion_mnist"

# The decompressed files whose SHA-256 this process has checked, as (path,
# inode, size, modification time): an unchanged file is hashed once per
# process, not on every load (hashing the training images takes ~50 ms,
# mapping them ~0).
_VERIFIED: set[tuple] = set()


def _stamp(path: Path) -> tuple:
    info = path.stat()
    return (str(path), info.st_ino, info.st_size, info.st_mtime_ns)


def _map_raw(raw: Path, remote: _RemoteFile) -> np.ndarray:
    """Memory-map a cached decompressed file, checked; ValueError if damaged."""
    stamp = _stamp(raw)
    array = read_idx(raw, mmap=True)
    if array.shape != remote.shape or array.dtype != np.uint8:
        raise ValueError(f"it holds shape {array.shape}, dtype {array.dtype}")
    if stamp not in _VERIFIED:
        if sha256_of(raw) != remote.raw_sha256:
            raise ValueError("it does not match its SHA-256 checksum")
        _VERIFIED.add(stamp)
    return array


def _load_part(
    remote: _RemoteFile,
    folder: Path,
    *,
    download_if_missing: bool,
    mirrors: list[str],
    n_retries: int,
    delay: float,
    timeout: float,
) -> np.ndarray:
    """Load one file from the decompressed cache, building the cache if needed.

    The cache keeps the verified ``.gz`` file and its decompressed IDX copy.
    Loading memory-maps the copy, which is much faster than decompressing;
    the copy is checked against its own SHA-256 (once per process).
    """
    raw = folder / remote.filename.removesuffix(".gz")
    try:
        return _map_raw(raw, remote)
    except FileNotFoundError:
        pass
    except ValueError as exc:
        warnings.warn(
            f"Cached file {raw} is damaged ({exc}); rebuilding it.", stacklevel=4
        )
        raw.unlink(missing_ok=True)  # another process may have done it
    gz = fetch_verified(
        remote.filename,
        remote.sha256,
        folder,
        mirrors,
        download_if_missing=download_if_missing,
        n_retries=n_retries,
        delay=delay,
        timeout=timeout,
    )
    array = read_idx(gz)
    if array.shape != remote.shape or array.dtype != np.uint8:
        raise ValueError(  # unreachable with the pinned checksums, but cheap
            f"{gz} holds shape {array.shape}, dtype {array.dtype}; expected "
            f"{remote.shape}, uint8."
        )
    try:
        write_idx(raw, array)  # atomic: a temporary file renamed into place
        _VERIFIED.add(_stamp(raw))  # written from the verified .gz
    except OSError as exc:
        # The data is loaded; only the speed-up of later loads is lost.
        warnings.warn(
            f"Could not write the decompressed copy {raw} ({exc}); the next "
            "load decompresses the .gz file again. Free some disk space there.",
            stacklevel=4,
        )
    return array


@validate_params(
    {
        "subset": [StrOptions(_SUBSETS)],
        "data_home": [str, os.PathLike, None],
        "download_if_missing": ["boolean"],
        "return_X_y": ["boolean"],
        "mirrors": [None, SequenceOf(str, min_length=1)],
        "n_retries": [Interval(Integral, 0, None, closed="left")],
        "delay": [Interval(Real, 0, None, closed="left")],
        "timeout": [Interval(Real, 0, None, closed="neither")],
    }
)
def fetch_fashion_mnist(
    *,
    subset: str = "train",
    data_home: str | os.PathLike | None = None,
    download_if_missing: bool = True,
    return_X_y: bool = False,
    mirrors: list[str] | None = None,
    n_retries: int = 3,
    delay: float = 1.0,
    timeout: float = 60.0,
) -> Bunch | tuple[np.ndarray, np.ndarray]:
    """Load the Fashion-MNIST data set, downloading it on first use.

    =================   ==============================
    Classes                                         10
    Samples total                               70,000
    Samples per class    7,000 (6,000 train, 1,000 test)
    Dimensionality                 784 (28x28 pixels)
    Features                    integers 0 (black)-255
    =================   ==============================

    The four official files are downloaded once into ``data_home``, each
    checked against its pinned SHA-256, and kept with a decompressed copy
    that later calls memory-map: no network, no decompression. A cached file
    that fails its checksum (cut short, a flipped byte) is rebuilt from the
    other, or downloaded again, with a warning.

    Parameters
    ----------
    subset : {"train", "test", "all"}, default="train"
        The 60,000 training images, the 10,000 test images, or all 70,000
        (training images first).
    data_home : str or path-like, default=None
        The cache folder; by default the ``SKFASHION_DATA`` environment
        variable, else ``~/skfashion_data``. See :func:`get_data_home`.
    download_if_missing : bool, default=True
        If False, raise an ``OSError`` instead of downloading missing files.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    mirrors : list of str, default=None
        Base URLs (``https://``, ``http://`` or ``file://``) to download the
        files from, tried in order. By default the space-separated URLs in the
        ``SKFASHION_MIRRORS`` environment variable, else
        :data:`FASHION_MNIST_MIRRORS`: the TensorFlow datasets bucket, then
        Zalando's host.
    n_retries : int, default=3
        How many times a mirror is retried after a network error. A host
        name that does not resolve (no network) is not retried.
    delay : float, default=1.0
        Seconds before the first retry; each further retry waits twice as long.
    timeout : float, default=60.0
        Seconds to wait for a mirror to answer, and then for each further
        part of the file, before the attempt fails (and is retried). A
        mirror that stalls costs up to ``(n_retries + 1) * timeout`` seconds
        plus the retries' delays, per file and mirror: 4 minutes with the
        defaults. It bounds each wait, not the whole download.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        data : ndarray of shape (n_samples, 784), dtype=uint8
            The images, one flattened row of pixels per image.
        images : ndarray of shape (n_samples, 28, 28), dtype=uint8
            The same images as 28x28 arrays: a view of ``data``'s memory.
        target : ndarray of shape (n_samples,), dtype=int64
            The class label of each image, 0 to 9.
        target_names : list of str
            The class names in label order: T-shirt/top, Trouser, Pullover,
            Dress, Coat, Sandal, Shirt, Sneaker, Bag, Ankle boot.
        feature_names : list of str
            ``"pixel_<row>_<column>"`` for each of the 784 columns of ``data``.
        DESCR : str
            The description of the data set: statistics, license, citation.

    (data, target) : tuple if ``return_X_y`` is True
        ``data`` of shape (n_samples, 784) and ``target`` of shape (n_samples,).

    Raises
    ------
    OSError
        If files are missing and ``download_if_missing`` is False, no mirror
        delivered a file with the right checksum, or ``data_home`` cannot be
        written (a full disk, no permission, a read-only folder: the message
        says so). A complete cache in a read-only folder is only read.
    ValueError
        If an argument is invalid.

    See Also
    --------
    get_data_home : The cache folder.
    read_idx : Read any IDX file, such as your own images.
    skfashion.MinMax255 : Scale the pixels to [0, 1] for the classifiers.

    Examples
    --------
    >>> from skfashion.datasets import fetch_fashion_mnist
    >>> data = fetch_fashion_mnist(subset="test")
    >>> data.data.shape, data.images.shape, data.target.shape
    ((10000, 784), (10000, 28, 28), (10000,))
    >>> data.target_names[:3]
    ['T-shirt/top', 'Trouser', 'Pullover']
    >>> X, y = fetch_fashion_mnist(subset="test", return_X_y=True)
    >>> X.dtype.name, y.dtype.name
    ('uint8', 'int64')
    """
    if mirrors is None:
        from_env = os.environ.get("SKFASHION_MIRRORS", "").split()
        mirrors = from_env or list(FASHION_MNIST_MIRRORS)
    mirrors = check_mirrors(mirrors)
    folder = _cache_folder(data_home)
    load = dict(
        folder=folder,
        download_if_missing=download_if_missing,
        mirrors=mirrors,
        n_retries=n_retries,
        delay=delay,
        timeout=timeout,
    )
    parts = _SUBSETS[subset]
    images = [_load_part(_FILES[part, "images"], **load) for part in parts]
    labels = [_load_part(_FILES[part, "labels"], **load) for part in parts]
    images = images[0] if len(images) == 1 else np.concatenate(images)
    target = np.concatenate(labels).astype(np.int64)
    data = images.reshape(len(images), -1)  # a view: no copy
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        images=images,
        target=target,
        target_names=list(FASHION_MNIST_CLASSES),
        feature_names=[f"pixel_{r}_{c}" for r in range(28) for c in range(28)],
        DESCR=resources.files(__package__)
        .joinpath("descr", "fashion_mnist.rst")
        .read_text(encoding="utf-8"),
    )


def _cache_folder(data_home) -> Path:
    """``<data_home>/fashion_mnist``, made if needed; an OSError says if it cannot."""
    try:
        folder = Path(get_data_home(data_home)) / _FOLDER
        folder.mkdir(exist_ok=True)
    except OSError as exc:
        # A folder that cannot be written: no mirror or retry can help.
        raise cannot_write(Path(exc.filename or _FOLDER), exc) from exc
    return folder


def verify_fashion_mnist(*, data_home: str | os.PathLike | None = None) -> Bunch:
    """Locate the cached Fashion-MNIST files and check their SHA-256 checksums.

    Nothing is downloaded, repaired or deleted: this only reports on the
    four official ``.gz`` files in the cache that
    :func:`fetch_fashion_mnist` fills, each checked against the SHA-256
    pinned in skfashion.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The cache folder; by default the ``SKFASHION_DATA`` environment
        variable, else ``~/skfashion_data``. See :func:`get_data_home`.

    Returns
    -------
    result : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the following attributes.

        folder : str
            The folder that holds (or will hold) the files:
            ``<data_home>/fashion_mnist``.
        files : list of Bunch
            One per official file: the training images and labels, then
            the test images and labels. Each has ``filename`` (str),
            ``path`` (str), ``present`` (bool: the file exists) and
            ``verified`` (bool: it exists and its SHA-256 is the pinned
            one).
        complete : bool
            Whether all four files are present and verified.

    See Also
    --------
    fetch_fashion_mnist : Download the files that are missing or damaged.

    Examples
    --------
    >>> import tempfile
    >>> from skfashion.datasets import verify_fashion_mnist
    >>> result = verify_fashion_mnist(data_home=tempfile.mkdtemp())
    >>> result.complete
    False
    >>> for file in result.files:
    ...     print(file.filename, file.present, file.verified)
    train-images-idx3-ubyte.gz False False
    train-labels-idx1-ubyte.gz False False
    t10k-images-idx3-ubyte.gz False False
    t10k-labels-idx1-ubyte.gz False False
    """
    folder = Path(get_data_home(data_home)) / _FOLDER
    files = []
    for remote in _FILES.values():
        path = folder / remote.filename
        present = path.is_file()
        files.append(
            Bunch(
                filename=remote.filename,
                path=str(path),
                present=present,
                verified=present and sha256_of(path) == remote.sha256,
            )
        )
    return Bunch(
        folder=str(folder),
        files=files,
        complete=all(file.verified for file in files),
    )
