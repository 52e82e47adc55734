"""The data home folder and verified downloads into it.

We do not use :func:`sklearn.datasets.fetch_file` because it cannot take a
list of mirrors, has no network timeout (a stalled server hangs it forever)
and retries with a fixed delay; the temporary-file-then-rename pattern below
is the one it uses.
"""

from __future__ import annotations

import errno
import hashlib
import http.client
import os
import secrets
import shutil
import socket
import time
import warnings
from pathlib import Path
from urllib.error import URLError
from urllib.parse import urlsplit
from urllib.request import urlopen

__all__ = ["clear_data_home", "get_data_home"]

ALLOWED_SCHEMES = ("https", "http", "file")
_CHUNK = 1 << 20


def get_data_home(data_home: str | os.PathLike | None = None) -> str:
    """Return the path of the skfashion data folder, creating it if needed.

    The folder caches downloaded data sets so that they are fetched once.
    By default it is the folder named by the ``SKFASHION_DATA`` environment
    variable, else ``skfashion_data`` in the user's home folder.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to use instead of the default. ``~`` is expanded.

    Returns
    -------
    data_home : str
        The path of the data folder.

    See Also
    --------
    clear_data_home : Delete the data folder's content.
    fetch_fashion_mnist : Load Fashion-MNIST, cached in this folder.

    Examples
    --------
    >>> import os
    >>> from skfashion.datasets import get_data_home
    >>> get_data_home("my_cache")
    'my_cache'
    >>> os.path.isdir("my_cache")
    True
    """
    if data_home is None:
        data_home = os.environ.get(
            "SKFASHION_DATA", os.path.join("~", "skfashion_data")
        )
    data_home = os.path.expanduser(os.fspath(data_home))
    os.makedirs(data_home, exist_ok=True)
    return data_home


def clear_data_home(data_home: str | os.PathLike | None = None) -> None:
    """Delete all the content of the data home folder.

    The folder itself goes too; :func:`get_data_home` and the next download
    make it again. Data downloaded into it must then be downloaded again.

    Parameters
    ----------
    data_home : str or path-like, default=None
        The folder to clear; by default the one :func:`get_data_home` returns.

    See Also
    --------
    get_data_home : The data folder.

    Examples
    --------
    >>> from pathlib import Path
    >>> from skfashion.datasets import clear_data_home, get_data_home
    >>> home = Path(get_data_home("my_cache"))
    >>> _ = (home / "notes.txt").write_text("cached")
    >>> clear_data_home("my_cache")
    >>> home.exists()
    False
    """
    shutil.rmtree(get_data_home(data_home))


def create_beside(target: Path) -> tuple[int, Path]:
    """Create a new temporary file beside ``target``: its descriptor and path.

    The file gets the permissions ``open()`` would give ``target`` (0666 less
    the umask, or what the folder's default ACL says), so that once renamed
    into place it can be read by whoever may read the folder; the files of
    :func:`tempfile.mkstemp` are private to their owner (0600), which breaks
    a cache shared between users. ``O_EXCL`` makes sure the file is new.
    """
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = target.with_name(f"{target.name}.{secrets.token_hex(4)}.part")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(
        errno.EEXIST, "no free name for a temporary file", str(target) + ".*.part"
    )


def sha256_of(path: str | os.PathLike) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        while chunk := stream.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def check_mirrors(mirrors: list[str]) -> list[str]:
    """Check the URLs' schemes and give each a trailing slash.

    That ``mirrors`` is a non-empty list of strings is checked by the
    caller's parameter validation.
    """
    checked = []
    for mirror in mirrors:
        scheme = urlsplit(str(mirror)).scheme
        if scheme not in ALLOWED_SCHEMES:
            raise ValueError(
                f"Mirror {mirror!r} has scheme {scheme!r}; only "
                f"{', '.join(s + '://' for s in ALLOWED_SCHEMES)} URLs are accepted. "
                "For a local folder, pass its file:// URL: "
                "pathlib.Path(folder).resolve().as_uri()."
            )
        checked.append(str(mirror).rstrip("/") + "/")
    return checked


def _retry_cannot_help(exc: BaseException) -> bool:
    """A host name that does not resolve (no network), or no such local file.

    Waiting and retrying would only delay the error, by 14 seconds with the
    defaults, for a user without a network.
    """
    reason = getattr(exc, "reason", exc)
    return isinstance(reason, (socket.gaierror, FileNotFoundError))


class ChecksumError(OSError):
    """A downloaded file's SHA-256 is not the pinned one."""


class TransferError(OSError):
    """A download ended before all the announced bytes came."""


class CacheWriteError(OSError):
    """The cache folder cannot be written (full, read-only, ...): no retry helps."""


# The errors of a folder that cannot be written at all, whatever its space.
_READ_ONLY = (errno.EACCES, errno.EPERM, errno.EROFS)


def cannot_write(target: Path, exc: OSError) -> CacheWriteError:
    """The error for a file or folder ``target`` that could not be written."""
    if exc.errno in _READ_ONLY:
        advice = (
            f"{target.parent} cannot be written (read-only, or not yours): pass "
            "a data_home you can write, or have the data fetched there once by "
            "someone who can (it is then only read)."
        )
    else:
        advice = (
            "Free some disk space there and check that it is writable, or pass "
            "another data_home."
        )
    return CacheWriteError(
        f"Could not write {target.name} into {target.parent} ({exc}); nothing "
        f"was cached. {advice}"
    )


def _timed_out(exc: BaseException) -> bool:
    return isinstance(getattr(exc, "reason", exc), TimeoutError)


def _download(url: str, target: Path, sha256: str, timeout: float) -> None:
    """Download ``url`` to ``target``, atomically, if its SHA-256 matches.

    The bytes go to a temporary file beside ``target`` (so the final rename
    stays on one file system and is atomic), hashed as they arrive; the file
    is moved into place only after the hash matched, and removed on any
    failure, including KeyboardInterrupt. Concurrent downloads of the same file
    each use their own temporary file, and the last rename wins. A failure to
    write the file raises :class:`CacheWriteError`, which is not retried.
    """
    try:
        fd, tmp = create_beside(target)
    except OSError as exc:
        raise cannot_write(target, exc) from exc
    try:
        digest = hashlib.sha256()
        received = 0
        with os.fdopen(fd, "wb") as out, urlopen(url, timeout=timeout) as response:
            announced = response.headers.get("Content-Length")
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                received += len(chunk)
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise cannot_write(target, exc) from exc
            try:
                out.flush()
            except OSError as exc:
                raise cannot_write(target, exc) from exc
        # http.client does not raise when a connection closes early, so a cut
        # transfer is caught here, as a network error that is worth a retry.
        if announced is not None and received < int(announced):
            raise TransferError(
                f"transfer cut short: received {received} of {announced} bytes"
            )
        if digest.hexdigest() != sha256:
            raise ChecksumError(
                f"SHA-256 {digest.hexdigest()} differs from the expected {sha256}: "
                "the mirror serves another or a corrupt file"
            )
        os.replace(tmp, target)
    except BaseException:
        os.unlink(tmp)
        raise


def fetch_verified(
    filename: str,
    sha256: str,
    folder: Path,
    mirrors: list[str],
    *,
    download_if_missing: bool = True,
    n_retries: int = 3,
    delay: float = 1.0,
    timeout: float = 60.0,
) -> Path:
    """Return ``folder / filename``, downloading it first if it is not cached.

    Each mirror is tried in order. Network errors, a mirror silent for
    ``timeout`` seconds among them, are retried ``n_retries`` times with
    exponential backoff (``delay``, ``2 * delay``, ...); a checksum
    mismatch moves on to the next mirror at once, since retrying would fetch
    the same wrong file, and so do a host name that does not resolve (no
    network) and a missing ``file://`` file.

    Raises
    ------
    OSError
        If the file is not cached (or damaged) and ``download_if_missing`` is
        False, or no mirror delivered it; the message says what to do.
    CacheWriteError
        If ``folder`` cannot be written (a full disk, no permission).
    """
    target = folder / filename
    state = "is not in"
    try:
        if sha256_of(target) == sha256:
            return target
    except FileNotFoundError:
        pass
    else:
        warnings.warn(
            f"Cached file {target} does not match its SHA-256 checksum "
            "(a corrupt or partial copy); "
            + ("downloading it again." if download_if_missing else "deleting it."),
            stacklevel=3,
        )
        try:  # another process may have deleted or replaced it already
            target.unlink(missing_ok=True)
        except OSError as exc:
            raise cannot_write(target, exc) from exc
        state = "was damaged (it failed its SHA-256 check) in"
    if not download_if_missing:
        raise OSError(
            f"{filename} {state} {folder} and download_if_missing=False. "
            "Call fetch_fashion_mnist once with download_if_missing=True, or "
            f"copy the official {filename} into {folder}."
        )
    errors = []
    timed_out = False
    for mirror in mirrors:
        url = mirror + filename
        for attempt in range(n_retries + 1):
            try:
                _download(url, target, sha256, timeout)
                return target
            except CacheWriteError:
                raise
            except ChecksumError as exc:
                errors.append(f"{url}: {exc}")
                break
            except (URLError, OSError, http.client.HTTPException) as exc:
                # URLError covers HTTP errors and unreachable hosts;
                # http.client.HTTPException a malformed response.
                errors.append(f"{url} (attempt {attempt + 1}): {exc!r}")
                timed_out = timed_out or _timed_out(exc)
                if _retry_cannot_help(exc):
                    break
                if attempt < n_retries:
                    time.sleep(delay * 2**attempt)
    slow = (
        f" A mirror that sent nothing for timeout={timeout} s may be slow rather "
        "than down: pass a larger timeout."
        if timed_out
        else ""
    )
    raise OSError(
        f"Could not download {filename} into {folder}; nothing was cached. "
        "Errors:\n  " + "\n  ".join(errors) + "\nCheck the network connection, "
        "pass working base URLs with mirrors=[...] (file:// works for a local "
        f"copy), or copy the official {filename} into {folder}." + slow
    )
