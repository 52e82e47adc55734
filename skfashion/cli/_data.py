"""``skfashion fetch`` and ``skfashion info``: the data cache and the versions."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from ._common import PROG, CommandError, fetch_data, import_tensorflow

__all__ = ["add_fetch_parser", "add_info_parser"]


# ------------------------------------------------------------------- fetch
def add_fetch_parser(commands, data) -> None:
    """Add the ``fetch`` command to the subparsers ``commands``."""
    fetch = commands.add_parser(
        "fetch",
        parents=[data],
        help="download Fashion-MNIST into the cache and verify it",
        description="Download the four Fashion-MNIST files once (nothing if "
        "they are cached), check their SHA-256 checksums and decompress them.",
    )
    fetch.set_defaults(func=_fetch)


def _fetch(args) -> None:
    from skfashion.datasets import verify_fashion_mnist

    train = fetch_data(args, "train")
    test = fetch_data(args, "test")
    cache = verify_fashion_mnist(data_home=args.data_home)
    for file in cache.files:
        if file.present and not file.verified:
            raise CommandError(
                f"{file.path} does not match its published SHA-256 checksum; "
                f"delete it and run '{PROG} fetch' again."
            )
    checked = sum(file.verified for file in cache.files)
    print(
        f"Fashion-MNIST is in {cache.folder}: {len(train[1])} training and "
        f"{len(test[1])} test images; {checked} of {len(cache.files)} files match "
        "their published SHA-256 checksums."
    )


# -------------------------------------------------------------------- info
def add_info_parser(commands) -> None:
    """Add the ``info`` command to the subparsers ``commands``."""
    info = commands.add_parser(
        "info",
        help="print versions and the data cache location",
        description="Print the versions of skfashion and its libraries, and "
        "where the data is cached.",
    )
    info.add_argument("--data-home", metavar="DIR", help="the data cache to describe")
    info.set_defaults(func=_info)


def _info(args) -> None:
    from skfashion.datasets import FASHION_MNIST_MIRRORS, verify_fashion_mnist

    import_tensorflow()
    import keras

    from skfashion.utils import library_versions

    versions = library_versions()
    print(f"{PROG} {versions.pop('skfashion')}")
    print(f"python {versions.pop('python')} ({sys.executable})")
    for name, version in versions.items():
        print(f"{name} {version}")
    print(f"keras backend: {keras.backend.backend()}")

    if args.data_home is not None:
        source = "--data-home"
    elif "SKFASHION_DATA" in os.environ:
        source = "$SKFASHION_DATA"
    else:
        source = "default"
    cache = verify_fashion_mnist(data_home=args.data_home)
    present = sum(file.present for file in cache.files)
    damaged = [
        file.filename for file in cache.files if file.present and not file.verified
    ]
    if cache.complete:
        state = "cached, checksums verified"
    elif damaged:
        fail, it = ("fails its", "it") if len(damaged) == 1 else ("fail their", "them")
        state = (
            f"{', '.join(damaged)} {fail} published SHA-256 checksum: delete {it} "
            f"and run '{PROG} fetch'"
        )
    else:
        state = f"run '{PROG} fetch' to download it"
    print(f"data home: {Path(cache.folder).parent} ({source})")
    print(
        f"Fashion-MNIST: {present} of {len(cache.files)} files in {cache.folder}; "
        f"{state}"
    )
    mirrors = os.environ.get("SKFASHION_MIRRORS", "").split()
    where = "$SKFASHION_MIRRORS" if mirrors else "default"
    print(f"mirrors ({where}): {' '.join(mirrors or FASHION_MNIST_MIRRORS)}")
