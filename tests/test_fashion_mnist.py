import errno
import json
import os
import shutil
import stat
import subprocess
import sys
import threading
import time
import warnings
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from conftest import OFFICIAL_FILES, failing_then, serve_bytes, serve_error
from numpy.testing import assert_array_equal
from sklearn.utils import Bunch

from skfashion.datasets import (
    FASHION_MNIST_CLASSES,
    clear_data_home,
    fetch_fashion_mnist,
    get_data_home,
    read_idx,
    verify_fashion_mnist,
)

TEST_FILES = ("t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz")


def test_real_data_end_to_end(fashion_home):
    train = fetch_fashion_mnist(data_home=fashion_home, download_if_missing=False)
    test = fetch_fashion_mnist(
        subset="test", data_home=fashion_home, download_if_missing=False
    )
    assert isinstance(train, Bunch)
    assert train.data.shape == (60000, 784) and train.data.dtype == np.uint8
    assert train.images.shape == (60000, 28, 28) and train.images.dtype == np.uint8
    assert test.data.shape == (10000, 784)
    assert np.bincount(train.target).tolist() == [6000] * 10
    assert np.bincount(test.target).tolist() == [1000] * 10
    # The first labels of the official files (Ankle boot, T-shirt/top, ...).
    assert train.target[:10].tolist() == [9, 0, 0, 3, 0, 2, 7, 2, 5, 5]
    assert test.target[:10].tolist() == [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]
    assert train.data.min() == 0 and train.data.max() == 255
    assert np.issubdtype(train.target.dtype, np.integer)
    assert train.target_names == list(FASHION_MNIST_CLASSES)
    assert train.target_names[9] == "Ankle boot" and len(train.target_names) == 10
    assert train.feature_names[0] == "pixel_0_0"
    assert train.feature_names[-1] == "pixel_27_27"
    assert len(train.feature_names) == 784


def test_images_and_data_share_memory(fashion_home):
    bunch = fetch_fashion_mnist(subset="test", data_home=fashion_home)
    assert np.shares_memory(bunch.images, bunch.data)
    assert_array_equal(bunch.images[5].ravel(), bunch.data[5])


def test_same_pixels_as_the_official_files(fashion_home, real_data_dir):
    bunch = fetch_fashion_mnist(subset="test", data_home=fashion_home)
    assert_array_equal(bunch.images, read_idx(real_data_dir / TEST_FILES[0]))


def test_subset_all_is_train_then_test(fashion_home):
    X, y = fetch_fashion_mnist(subset="all", data_home=fashion_home, return_X_y=True)
    X_test, y_test = fetch_fashion_mnist(
        subset="test", data_home=fashion_home, return_X_y=True
    )
    assert X.shape == (70000, 784) and y.shape == (70000,)
    assert_array_equal(X[60000:], X_test)
    assert_array_equal(y[60000:], y_test)


def test_descr(fashion_home):
    descr = fetch_fashion_mnist(subset="test", data_home=fashion_home).DESCR
    assert descr.startswith(".. _fashion_mnist_dataset:")
    for text in ("70,000", "MIT", "Zalando", "arXiv:1708.07747", "Ankle boot"):
        assert text in descr


def _serve_official(server, real_data_dir, prefix="/good/", files=TEST_FILES):
    for name in files:
        server.routes[prefix + name] = serve_bytes((real_data_dir / name).read_bytes())
    return server.base_url + prefix


def _cache_files(home):
    folder = home / "fashion_mnist"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_download_over_http_then_cache_only(http_server, real_data_dir, tmp_path):
    mirror = _serve_official(http_server, real_data_dir)
    bunch = fetch_fashion_mnist(subset="test", data_home=tmp_path, mirrors=[mirror])
    assert bunch.data.shape == (10000, 784)
    assert sorted(http_server.requests) == sorted("/good/" + n for n in TEST_FILES)
    # The cache holds the verified files and their decompressed copies only.
    assert _cache_files(tmp_path) == sorted(
        [*TEST_FILES, *(n.removesuffix(".gz") for n in TEST_FILES)]
    )
    http_server.requests.clear()
    again = fetch_fashion_mnist(subset="test", data_home=tmp_path, mirrors=[mirror])
    assert http_server.requests == []  # the second call touches no network
    assert_array_equal(again.data, bunch.data)


def test_corrupt_download_caches_nothing(http_server, real_data_dir, tmp_path):
    for name in TEST_FILES:
        payload = bytearray((real_data_dir / name).read_bytes())
        payload[len(payload) // 2] ^= 0xFF  # one flipped byte
        http_server.routes["/bad/" + name] = serve_bytes(bytes(payload))
    mirror = http_server.base_url + "/bad/"
    with pytest.raises(OSError, match="SHA-256") as info:
        fetch_fashion_mnist(subset="test", data_home=tmp_path, mirrors=[mirror])
    message = str(info.value)
    assert "t10k-images-idx3-ubyte.gz" in message and mirror in message
    assert "mirrors=[...]" in message  # says what to do
    assert _cache_files(tmp_path) == []
    # A checksum mismatch is not retried on the same mirror.
    assert http_server.requests == ["/bad/t10k-images-idx3-ubyte.gz"]


def test_failing_mirror_then_working_one(http_server, real_data_dir, tmp_path):
    good = _serve_official(http_server, real_data_dir)
    dead = http_server.base_url + "/dead/"  # every path is a 404
    bunch = fetch_fashion_mnist(
        subset="test", data_home=tmp_path, mirrors=[dead, good], n_retries=1, delay=0
    )
    assert bunch.target.shape == (10000,)
    dead_requests = [r for r in http_server.requests if r.startswith("/dead/")]
    assert len(dead_requests) == 2 * len(TEST_FILES)  # first try + 1 retry each


def test_transient_errors_are_retried(http_server, real_data_dir, tmp_path):
    for name in TEST_FILES:
        payload = (real_data_dir / name).read_bytes()
        http_server.routes["/flaky/" + name] = failing_then(serve_bytes(payload), 2)
    mirror = http_server.base_url + "/flaky/"
    fetch_fashion_mnist(
        subset="test", data_home=tmp_path, mirrors=[mirror], n_retries=2, delay=0
    )
    assert len(http_server.requests) == 3 * len(TEST_FILES)


def test_retries_run_out(http_server, tmp_path):
    http_server.routes["/down/t10k-images-idx3-ubyte.gz"] = serve_error(503)
    mirror = http_server.base_url + "/down/"
    with pytest.raises(OSError, match=r"(?s)attempt 1.*attempt 3.*503"):
        fetch_fashion_mnist(
            subset="test", data_home=tmp_path, mirrors=[mirror], n_retries=2, delay=0
        )
    assert len(http_server.requests) == 3
    assert _cache_files(tmp_path) == []


def test_interrupted_transfer_leaves_no_partial_file(
    http_server, real_data_dir, tmp_path
):
    payload = (real_data_dir / TEST_FILES[0]).read_bytes()
    route = serve_bytes(payload[: len(payload) // 3], length=len(payload))
    http_server.routes["/cut/" + TEST_FILES[0]] = route
    mirror = http_server.base_url + "/cut/"
    with pytest.raises(
        OSError, match=r"(?s)attempt 1.*cut short.*attempt 2.*cut short"
    ):
        fetch_fashion_mnist(
            subset="test", data_home=tmp_path, mirrors=[mirror], n_retries=1, delay=0
        )
    assert _cache_files(tmp_path) == []


def test_missing_files_without_download(tmp_path):
    with pytest.raises(
        OSError, match="t10k-images-idx3-ubyte.gz.*download_if_missing=False"
    ):
        fetch_fashion_mnist(
            subset="test", data_home=tmp_path, download_if_missing=False
        )


def test_damaged_cache_is_rebuilt(fashion_home, real_data_dir, tmp_path):
    home = tmp_path / "home"
    fetch_fashion_mnist(subset="test", data_home=home, mirrors=[real_data_dir.as_uri()])
    raw = home / "fashion_mnist" / "t10k-images-idx3-ubyte"
    raw.write_bytes(raw.read_bytes()[:1000])  # as if a disk filled up
    with pytest.warns(UserWarning, match="damaged.*rebuilding"):
        bunch = fetch_fashion_mnist(
            subset="test", data_home=home, download_if_missing=False
        )
    assert_array_equal(bunch.images, read_idx(real_data_dir / TEST_FILES[0]))


def test_corrupt_cached_download_is_fetched_again(real_data_dir, tmp_path):
    folder = tmp_path / "fashion_mnist"
    folder.mkdir()
    (folder / TEST_FILES[1]).write_bytes(b"not the labels")
    with pytest.warns(UserWarning, match="does not match its SHA-256"):
        bunch = fetch_fashion_mnist(
            subset="test", data_home=tmp_path, mirrors=[real_data_dir.as_uri()]
        )
    assert np.bincount(bunch.target).tolist() == [1000] * 10


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"subset": "validation"}, "among {'train', 'test', 'all'}"),
        ({"mirrors": ["ftp://example.org/"]}, "scheme 'ftp'"),
        ({"mirrors": "https://example.org/"}, "'mirrors' .* non-empty tuple or list"),
        ({"mirrors": []}, "'mirrors' .* non-empty tuple or list"),
        ({"n_retries": -1}, "n_retries"),
        ({"delay": -1.0}, "delay"),
        ({"timeout": 0}, "'timeout' parameter .* range \\(0.0, inf\\)"),
        ({"timeout": -1.0}, "'timeout' parameter"),
        ({"timeout": "60"}, "'timeout' parameter"),
        ({"timeout": True}, "'timeout' parameter"),
    ],
)
def test_invalid_arguments(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        fetch_fashion_mnist(data_home=tmp_path, **kwargs)


def test_data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("SKFASHION_DATA", str(tmp_path / "from_env"))
    assert get_data_home() == str(tmp_path / "from_env")
    assert os.path.isdir(tmp_path / "from_env")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("SKFASHION_DATA")
    assert get_data_home() == str(tmp_path / "skfashion_data")
    assert get_data_home("~/other") == str(tmp_path / "other")
    (tmp_path / "other" / "file").write_text("x")
    clear_data_home("~/other")
    assert not (tmp_path / "other").exists()


# Each process waits for the go file, so that all fetch at the same time. Run
# as fresh interpreters (not a multiprocessing pool, whose workers import this
# module by name and hang the pool when that import fails).
_FETCH_WHEN_TOLD = """
import json, sys, time, warnings
from pathlib import Path

import numpy as np

from skfashion.datasets import fetch_fashion_mnist

home, mirror, ready, go = sys.argv[1:]
Path(ready).touch()
deadline = time.monotonic() + 300
while not Path(go).exists():
    if time.monotonic() > deadline:
        sys.exit("no go file after 300 s")
    time.sleep(0.005)
with warnings.catch_warnings():
    warnings.simplefilter("error")
    X, y = fetch_fashion_mnist(
        subset="test", data_home=home, mirrors=[mirror], return_X_y=True
    )
print(json.dumps([int(X.sum(dtype=np.int64)), np.bincount(y).tolist()]))
"""


def test_concurrent_fetches_leave_a_valid_cache(real_data_dir, tmp_path):
    n_processes = 4
    home, signals = tmp_path / "home", tmp_path / "signals"
    signals.mkdir()
    go = signals / "go"
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                _FETCH_WHEN_TOLD,
                str(home),
                real_data_dir.as_uri(),
                str(signals / f"ready{i}"),
                str(go),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(n_processes)
    ]
    try:
        deadline = time.monotonic() + 120
        while len(list(signals.glob("ready*"))) < n_processes:
            assert time.monotonic() < deadline, "the processes did not start"
            assert all(p.poll() is None for p in processes), "a process ended early"
            time.sleep(0.01)
        go.touch()
        outputs = [p.communicate(timeout=300) for p in processes]
    finally:
        for p in processes:
            p.kill()
    for p, (_, err) in zip(processes, outputs, strict=True):
        assert p.returncode == 0, err
    results = [json.loads(out) for out, _ in outputs]
    assert all(result == results[0] for result in results)  # the same data
    assert results[0][1] == [1000] * 10
    assert not [n for n in _cache_files(home) if n.endswith(".part")]
    # What is cached loads with no network and matches the official files.
    bunch = fetch_fashion_mnist(
        subset="test", data_home=home, download_if_missing=False
    )
    assert_array_equal(bunch.images, read_idx(real_data_dir / TEST_FILES[0]))
    assert len(OFFICIAL_FILES) == 4


def test_mirrors_from_environment(real_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("SKFASHION_MIRRORS", f"ftp://nowhere/ {real_data_dir.as_uri()}")
    with pytest.raises(ValueError, match="scheme 'ftp'"):
        fetch_fashion_mnist(subset="test", data_home=tmp_path)
    monkeypatch.setenv("SKFASHION_MIRRORS", real_data_dir.as_uri())
    assert fetch_fashion_mnist(subset="test", data_home=tmp_path).data.shape[0] == 10000


@contextmanager
def _umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask", [0o022, 0o027])
def test_cached_files_follow_the_umask(real_data_dir, tmp_path, mask):
    # A cache prepared by one user is readable by the others the umask lets
    # in: the downloaded .gz files and their decompressed copies alike.
    with _umask(mask):
        fetch_fashion_mnist(
            subset="test", data_home=tmp_path, mirrors=[real_data_dir.as_uri()]
        )
    folder = tmp_path / "fashion_mnist"
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert len(modes) == 4
    assert set(modes.values()) == {0o666 & ~mask}, modes


def test_stalled_mirror_gives_up_after_timeout(http_server, tmp_path):
    # A server that accepts the connection and sends nothing: each attempt
    # ends after `timeout` seconds (it was a fixed 60 s, 4 minutes in all
    # with the default retries), and the message says what to do.
    release = threading.Event()
    http_server.routes["/stall/" + TEST_FILES[0]] = lambda handler: release.wait(30)
    mirror = http_server.base_url + "/stall/"
    try:
        with pytest.raises(OSError) as info:
            fetch_fashion_mnist(
                subset="test",
                data_home=tmp_path,
                mirrors=[mirror],
                n_retries=1,
                delay=0,
                timeout=0.2,
            )
    finally:
        release.set()
    message = str(info.value)
    assert "attempt 1" in message and "attempt 2" in message
    assert "timed out" in message
    assert "timeout=0.2 s may be slow rather than down" in message
    assert "pass a larger timeout" in message
    assert http_server.requests == ["/stall/" + TEST_FILES[0]] * 2
    assert _cache_files(tmp_path) == []


# --------------------------------------------------------- verify_fashion_mnist
def test_verify_reports_each_file_and_a_damaged_one(fashion_home, tmp_path):
    report = verify_fashion_mnist(data_home=fashion_home)
    assert report.folder == str(fashion_home / "fashion_mnist")
    assert [file.filename for file in report.files] == list(OFFICIAL_FILES)
    assert all(file.present and file.verified for file in report.files)
    assert report.complete

    folder = tmp_path / "fashion_mnist"
    folder.mkdir()
    for name in OFFICIAL_FILES:
        shutil.copy(fashion_home / "fashion_mnist" / name, folder / name)
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    damaged = bytearray(labels.read_bytes())
    damaged[len(damaged) // 2] ^= 0x01  # one flipped bit: the size is the same
    labels.write_bytes(bytes(damaged))
    (folder / "train-labels-idx1-ubyte.gz").unlink()
    report = verify_fashion_mnist(data_home=tmp_path)
    states = {file.filename: (file.present, file.verified) for file in report.files}
    assert states == {
        "train-images-idx3-ubyte.gz": (True, True),
        "train-labels-idx1-ubyte.gz": (False, False),
        "t10k-images-idx3-ubyte.gz": (True, True),
        "t10k-labels-idx1-ubyte.gz": (True, False),  # there, but not verified
    }
    assert not report.complete
    assert labels.read_bytes() == bytes(damaged)  # reported, not repaired


# ------------------------------------------------------ read-only data homes
@pytest.fixture
def read_only(monkeypatch):
    """A function making a folder read-only, as a shared one may be.

    Its mode (and its subfolders') becomes 0555. Root ignores modes, so for
    root writes under the folder are also refused as on a read-only file
    system (EROFS): any write attempted then fails the test.
    """
    folders = []

    def make(folder: Path) -> Path:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o555)
        folders.append(folder.resolve())
        return folder

    def refuse_inside(path) -> None:
        path = Path(os.fsdecode(path)).resolve()
        if any(path == f or f in path.parents for f in folders):
            raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))

    if hasattr(os, "geteuid") and os.geteuid() == 0:
        real_open, real_mkdir = os.open, os.mkdir
        real_unlink, real_replace = os.unlink, os.replace
        writing = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND

        def open_(path, flags, *args, **kwargs):
            if flags & writing:
                refuse_inside(path)
            return real_open(path, flags, *args, **kwargs)

        def mkdir(path, *args, **kwargs):
            refuse_inside(path)
            return real_mkdir(path, *args, **kwargs)

        def unlink(path, *args, **kwargs):
            refuse_inside(path)
            return real_unlink(path, *args, **kwargs)

        def replace(src, dst, *args, **kwargs):
            refuse_inside(dst)
            return real_replace(src, dst, *args, **kwargs)

        for name, function in [
            ("open", open_),
            ("mkdir", mkdir),
            ("unlink", unlink),
            ("replace", replace),
        ]:
            monkeypatch.setattr(os, name, function)
    yield make
    for folder in folders:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir():
                path.chmod(0o755)


@pytest.mark.parametrize("with_subfolder", [False, True])
def test_read_only_data_home_is_reported_as_such(
    read_only, real_data_dir, tmp_path, with_subfolder
):
    home = tmp_path / "shared"
    (home / "fashion_mnist" if with_subfolder else home).mkdir(parents=True)
    read_only(home)
    with pytest.raises(OSError) as info:
        fetch_fashion_mnist(
            subset="test", data_home=home, mirrors=[real_data_dir.as_uri()]
        )
    message = str(info.value)
    folder = home / "fashion_mnist" if with_subfolder else home
    assert f"{folder} cannot be written" in message
    assert "pass a data_home you can write" in message
    assert "network" not in message and "mirror" not in message
    assert _cache_files(home) == []


def test_read_only_data_home_with_a_complete_cache_is_only_read(
    read_only, fashion_home, tmp_path
):
    # Prepared by one user, read by the others: nothing is written.
    home = tmp_path / "shared"
    shutil.copytree(fashion_home / "fashion_mnist", home / "fashion_mnist")
    read_only(home)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bunch = fetch_fashion_mnist(subset="all", data_home=home)
    assert bunch.data.shape == (70000, 784)
    assert verify_fashion_mnist(data_home=home).complete
