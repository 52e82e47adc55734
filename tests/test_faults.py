"""Faults of the Fashion-MNIST cache and its downloads.

Damaged cached files are caught by their checksums and rebuilt, fetched
again or reported; interrupted downloads and failed disk writes leave no
partial file; a mirror serving another file is passed over; mirrors that are
not https://, http:// or file:// URLs are refused. Each error names the file
or argument and says what to do.
"""

import gzip
import signal
import warnings
from contextlib import contextmanager

import numpy as np
import pytest
from conftest import serve_bytes
from numpy.testing import assert_array_equal

from skfashion.datasets import _base, _fashion_mnist, fetch_fashion_mnist, write_idx

IMAGES, LABELS = "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"


def _cache_files(home):
    folder = home / "fashion_mnist"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def _official(real_data_dir, name):
    return gzip.decompress((real_data_dir / name).read_bytes())


@pytest.fixture
def test_home(real_data_dir, tmp_path):
    """A data home holding the test subset, as fetch_fashion_mnist leaves it."""
    fetch_fashion_mnist(
        subset="test", data_home=tmp_path, mirrors=[real_data_dir.as_uri()]
    )
    assert len(_cache_files(tmp_path)) == 4
    return tmp_path


def _flip_byte(path, offset):
    data = bytearray(path.read_bytes())
    data[offset % len(data)] ^= 0x01
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("name", [IMAGES, LABELS])
def test_flipped_byte_in_decompressed_copy_is_rebuilt_offline(
    test_home, real_data_dir, monkeypatch, name
):
    raw = test_home / "fashion_mnist" / name.removesuffix(".gz")
    _flip_byte(raw, 5000)  # in the data: the header stays valid
    # A process checks each decompressed file once; this one is new again.
    monkeypatch.setattr(_fashion_mnist, "_VERIFIED", set())
    with pytest.warns(UserWarning, match=f"{raw.name} is damaged.*SHA-256.*rebuild"):
        X, y = fetch_fashion_mnist(
            subset="test",
            data_home=test_home,
            download_if_missing=False,  # rebuilt from the cached .gz file
            return_X_y=True,
        )
    assert raw.read_bytes() == _official(real_data_dir, name)
    pixels = np.frombuffer(_official(real_data_dir, IMAGES), np.uint8, offset=16)
    assert_array_equal(X, pixels.reshape(-1, 784))
    assert np.bincount(y).tolist() == [1000] * 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the next load finds all in order
        fetch_fashion_mnist(subset="test", data_home=test_home)


@pytest.mark.parametrize(
    "damage",
    [lambda path: _flip_byte(path, 1000), lambda path: path.write_bytes(b"\x1f\x8b")],
    ids=["flipped-byte", "cut-short"],
)
def test_damaged_download_is_reported_then_fetched_again(
    test_home, real_data_dir, monkeypatch, damage
):
    folder = test_home / "fashion_mnist"
    damage(folder / IMAGES)
    damage(folder / IMAGES.removesuffix(".gz"))  # both copies are damaged
    monkeypatch.setattr(_fashion_mnist, "_VERIFIED", set())
    with (
        pytest.warns(UserWarning) as record,
        pytest.raises(OSError, match=f"{IMAGES} was damaged.*SHA-256") as info,
    ):
        fetch_fashion_mnist(
            subset="test", data_home=test_home, download_if_missing=False
        )
    assert "download_if_missing=True" in str(info.value)  # what to do
    messages = " ".join(str(warning.message) for warning in record)
    assert "t10k-images-idx3-ubyte is damaged" in messages
    assert f"{IMAGES} does not match its SHA-256" in messages
    assert IMAGES not in _cache_files(test_home)  # not left behind, damaged
    bunch = fetch_fashion_mnist(
        subset="test", data_home=test_home, mirrors=[real_data_dir.as_uri()]
    )
    assert (folder / IMAGES).read_bytes() == (real_data_dir / IMAGES).read_bytes()
    assert bunch.images.shape == (10000, 28, 28)


def test_keyboard_interrupt_mid_transfer_leaves_no_partial_file(
    http_server, real_data_dir, tmp_path, monkeypatch
):
    payload = (real_data_dir / IMAGES).read_bytes()  # 4.4 MB: several chunks
    http_server.routes["/slow/" + IMAGES] = serve_bytes(payload)
    seen_at_interrupt = []

    class Interrupted:
        """The server's response, with Ctrl-C pressed after the first chunk."""

        def __init__(self, response):
            self.response, self.headers, self.reads = response, response.headers, 0

        def read(self, n):
            self.reads += 1
            if self.reads == 2:
                seen_at_interrupt.extend(_cache_files(tmp_path))
                raise KeyboardInterrupt
            return self.response.read(n)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.response.close()

    real_urlopen = _base.urlopen
    monkeypatch.setattr(
        _base,
        "urlopen",
        lambda url, timeout: Interrupted(real_urlopen(url, timeout=timeout)),
    )
    with pytest.raises(KeyboardInterrupt):
        fetch_fashion_mnist(
            subset="test", data_home=tmp_path, mirrors=[http_server.base_url + "/slow/"]
        )
    # The first chunk was on disk, in a temporary file, when Ctrl-C came.
    assert len(seen_at_interrupt) == 1 and seen_at_interrupt[0].endswith(".part")
    assert _cache_files(tmp_path) == []
    assert len(http_server.requests) == 1  # not retried: the user asked to stop


@contextmanager
def _file_size_limit(nbytes):
    """Writes past ``nbytes`` in any file fail, as on a full disk (EFBIG)."""
    resource = pytest.importorskip("resource")
    if not hasattr(signal, "SIGXFSZ"):
        pytest.skip("no RLIMIT_FSIZE on this platform")
    limit = resource.getrlimit(resource.RLIMIT_FSIZE)
    handler = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # else it kills us
    resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, limit[1]))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_FSIZE, limit)
        signal.signal(signal.SIGXFSZ, handler)


def test_failed_disk_write_during_download_leaves_no_partial_file(
    http_server, real_data_dir, tmp_path
):
    http_server.routes["/ok/" + IMAGES] = serve_bytes(
        (real_data_dir / IMAGES).read_bytes()
    )
    with (
        _file_size_limit(3 << 19),  # 1.5 MiB; the file has 4.4 MB
        pytest.raises(OSError, match=f"Could not write {IMAGES} into .*") as info,
    ):
        fetch_fashion_mnist(
            subset="test",
            data_home=tmp_path,
            mirrors=[http_server.base_url + "/ok/"],
            n_retries=3,
            delay=0,
        )
    assert "File too large" in str(info.value)  # the system's reason
    assert "Free some disk space" in str(info.value)  # and what to do
    assert _cache_files(tmp_path) == []
    assert len(http_server.requests) == 1  # a full disk is not retried


def test_failed_disk_write_of_decompressed_copy_still_loads(real_data_dir, tmp_path):
    # The .gz files (4.4 MB at most) fit, the 7.8 MB decompressed images not.
    with (
        _file_size_limit(6 << 20),
        pytest.warns(UserWarning, match="Could not write the decompressed copy"),
    ):
        bunch = fetch_fashion_mnist(
            subset="test", data_home=tmp_path, mirrors=[real_data_dir.as_uri()]
        )
    assert bunch.images.shape == (10000, 28, 28)
    assert np.bincount(bunch.target).tolist() == [1000] * 10
    # No partial file: the images' copy is missing, and built on the next load.
    assert _cache_files(tmp_path) == sorted(
        [IMAGES, LABELS, LABELS.removesuffix(".gz")]
    )
    fetch_fashion_mnist(subset="test", data_home=tmp_path, download_if_missing=False)
    assert len(_cache_files(tmp_path)) == 4


def test_mirror_serving_another_data_set_is_passed_over(
    http_server, real_data_dir, tmp_path
):
    # Valid, well-formed IDX files of the right shapes, but other images and
    # labels: what the official host once served (digit MNIST).
    rng = np.random.RandomState(0)
    for name, array in [
        (IMAGES, rng.randint(0, 256, (10000, 28, 28)).astype(np.uint8)),
        (LABELS, rng.randint(0, 10, 10000).astype(np.uint8)),
    ]:
        write_idx(tmp_path / name, array)
        http_server.routes["/digits/" + name] = serve_bytes(
            (tmp_path / name).read_bytes()
        )
        http_server.routes["/fashion/" + name] = serve_bytes(
            (real_data_dir / name).read_bytes()
        )
    digits = http_server.base_url + "/digits/"
    fashion = http_server.base_url + "/fashion/"
    home = tmp_path / "home"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bunch = fetch_fashion_mnist(
            subset="test", data_home=home, mirrors=[digits, fashion], delay=0
        )
    assert np.bincount(bunch.target).tolist() == [1000] * 10
    assert (home / "fashion_mnist" / IMAGES).read_bytes() == (
        real_data_dir / IMAGES
    ).read_bytes()
    # Each wrong file is asked for once: a checksum mismatch is not retried.
    assert http_server.requests == [
        "/digits/" + IMAGES,
        "/fashion/" + IMAGES,
        "/digits/" + LABELS,
        "/fashion/" + LABELS,
    ]


@pytest.mark.parametrize(
    "mirror, scheme",
    [
        ("ftp://example.org/fashion/", "ftp"),
        ("sftp://example.org/fashion/", "sftp"),
        ("s3://bucket/fashion/", "s3"),
        ("/srv/data/fashion-mnist", ""),
        ("data/fashion-mnist", ""),
        ("C:\\data\\fashion-mnist", "c"),
    ],
)
def test_mirrors_other_than_https_http_file_are_refused(tmp_path, mirror, scheme):
    with pytest.raises(ValueError) as info:
        fetch_fashion_mnist(subset="test", data_home=tmp_path, mirrors=[mirror])
    message = str(info.value)
    assert repr(mirror) in message and f"scheme {scheme!r}" in message
    assert "only https://, http://, file:// URLs are accepted" in message
    assert "as_uri()" in message  # how to name a local folder
    assert _cache_files(tmp_path) == []


def test_accepted_mirror_schemes():
    mirrors = ["https://a.org/x", "HTTP://b.org/y/", "file:///srv/fashion-mnist"]
    assert _base.check_mirrors(mirrors) == [
        "https://a.org/x/",
        "HTTP://b.org/y/",
        "file:///srv/fashion-mnist/",
    ]
