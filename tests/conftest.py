"""Shared fixtures: the real Fashion-MNIST files and a loopback HTTP server."""

from __future__ import annotations

import http.server
import os
import threading
from pathlib import Path

import pytest

from skfashion.datasets import fetch_fashion_mnist

# The official files live beside the project, never inside it; CI points at
# them with SKFASHION_TEST_DATA.
REAL_DATA = Path(
    os.environ.get(
        "SKFASHION_TEST_DATA",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "fashion-mnist",
    )
)
OFFICIAL_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def _missing_official_files() -> list[str]:
    return [name for name in OFFICIAL_FILES if not (REAL_DATA / name).is_file()]


def pytest_sessionstart(session):
    """Under ``CI=true``, stop at once if the official files are not all there.

    Elsewhere the tests that need them are skipped, saying so; in CI that
    would hide half of the suite behind a green run.
    """
    if os.environ.get("CI", "").lower() != "true":
        return
    missing = _missing_official_files()
    if missing:
        where = (
            "named by SKFASHION_TEST_DATA"
            if "SKFASHION_TEST_DATA" in os.environ
            else "the default beside the project; SKFASHION_TEST_DATA is not set"
        )
        raise pytest.UsageError(
            f"CI=true and {len(missing)} of the 4 official Fashion-MNIST files "
            f"are missing: {', '.join(missing)}\n"
            f"Folder searched: {REAL_DATA} ({where}).\n"
            "Put the four files there, or set SKFASHION_TEST_DATA to the folder "
            "that holds them, e.g. SKFASHION_TEST_DATA=/path/to/fashion-mnist "
            "python -m pytest (CONTRIBUTING.md says where to get them)."
        )


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    missing = _missing_official_files()
    if missing:
        pytest.skip(
            f"the official Fashion-MNIST files {missing} are not in {REAL_DATA}; "
            "set SKFASHION_TEST_DATA to the folder that holds them"
        )
    return REAL_DATA


@pytest.fixture(scope="session")
def fashion_home(real_data_dir, tmp_path_factory) -> Path:
    """A data home filled once per session from the real files via file://."""
    home = tmp_path_factory.mktemp("skfashion_data")
    fetch_fashion_mnist(
        subset="all", data_home=home, mirrors=[real_data_dir.as_uri()], delay=0
    )
    return home


class _Handler(http.server.BaseHTTPRequestHandler):
    """Serves ``server.routes``: path -> callable(handler) writing a response."""

    def do_GET(self):
        self.server.requests.append(self.path)
        route = self.server.routes.get(self.path)
        if route is None:
            self.send_error(404)
        else:
            route(self)

    def log_message(self, *args):  # keep the test output clean
        pass


@pytest.fixture
def http_server():
    """A threaded HTTP server on 127.0.0.1 with programmable routes."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.routes = {}
    server.requests = []
    server.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def serve_bytes(payload: bytes, *, length: int | None = None):
    """A route sending ``payload``, announcing ``length`` bytes (default: all)."""

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "application/octet-stream")
        handler.send_header(
            "Content-Length", str(len(payload) if length is None else length)
        )
        handler.end_headers()
        handler.wfile.write(payload)
        if length is not None and length > len(payload):
            handler.close_connection = True  # cut the transfer short

    return route


def serve_error(status: int):
    def route(handler):
        handler.send_error(status)

    return route


def failing_then(route, failures: int, status: int = 503):
    """A route that answers ``status`` ``failures`` times, then ``route``."""
    count = {"n": 0}

    def flaky(handler):
        count["n"] += 1
        if count["n"] <= failures:
            handler.send_error(status)
        else:
            route(handler)

    return flaky


def tensorboard_context(logdir):
    """A TensorBoard plugin context over ``logdir``, as ``tensorboard`` builds it.

    The plugins' own backends then read the run folders that skfashion wrote.
    """
    from tensorboard.backend.event_processing import (
        data_provider,
        plugin_event_multiplexer,
    )
    from tensorboard.plugins import base_plugin

    logdir = str(logdir)
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    return base_plugin.TBContext(
        logdir=logdir,
        data_provider=data_provider.MultiplexerDataProvider(multiplexer, logdir),
        multiplexer=multiplexer,
    )
