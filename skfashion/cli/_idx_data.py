"""Your own IDX data on the command line: the options, the files, their checks.

MNIST, KMNIST, EMNIST and Fashion-MNIST each ship as four IDX files, and
:func:`skfashion.datasets.write_idx` writes such files from any arrays.
``train`` and ``evaluate`` take them instead of Fashion-MNIST: a folder
holding them under their usual names (``--idx-dir``), or each file by name
(``--train-images`` and so on, which also replace a file of the folder),
and ``train`` the class names from a text file (``--class-names``).

Every error names the file at fault and what to do.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from ._common import CommandError

__all__ = [
    "FILE_OPTIONS",
    "add_idx_options",
    "check_named",
    "idx_files",
    "read_class_names",
    "read_idx_set",
    "shape_text",
]

#: The option (its dest) of each file of a data set: (subset, kind).
FILE_OPTIONS = {
    "train_images": ("train", "images"),
    "train_labels": ("train", "labels"),
    "test_images": ("test", "images"),
    "test_labels": ("test", "labels"),
}
# The files' usual names: MNIST's (train-images-idx3-ubyte, t10k-labels-...),
# gzipped or not, with an optional prefix as EMNIST's, whose test files are
# named "test" (emnist-letters-test-images-idx3-ubyte.gz).
_FILE_NAME = re.compile(
    r"(?:(?P<prefix>.+)-)?(?P<subset>train|t10k|test)-(?P<kind>images|labels)"
    r"-idx\d-ubyte(?P<gz>\.gz)?"
)
_USUAL_NAMES = {
    "train_images": "train-images-idx3-ubyte",
    "train_labels": "train-labels-idx1-ubyte",
    "test_images": "t10k-images-idx3-ubyte",
    "test_labels": "t10k-labels-idx1-ubyte",
}
_WHAT = {"train": "training", "test": "test"}
# The Fashion-MNIST options, which the IDX options replace.
_FASHION_OPTIONS = {
    "data_home": "--data-home",
    "mirror": "--mirror",
    "offline": "--offline",
}


def _flag(dest: str) -> str:
    return "--" + dest.replace("_", "-")


def add_idx_options(parser, *, train: bool) -> None:
    """The options of a data set of IDX files: ``train``'s four, else the test two."""
    group = parser.add_argument_group(
        "your own data in IDX files (instead of Fashion-MNIST)"
    )
    group.add_argument(
        "--idx-dir",
        metavar="DIR",
        type=Path,
        help="a folder holding the data set's IDX files under their usual names "
        "(as MNIST's): train-images-idx3-ubyte, train-labels-idx1-ubyte, "
        "t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, each gzipped (.gz) or "
        "not, or with a prefix as EMNIST's (emnist-letters-train-images-idx3-"
        "ubyte.gz, emnist-letters-test-images-idx3-ubyte.gz, ...)",
    )
    for dest, (subset, kind) in FILE_OPTIONS.items():
        if subset == "train" and not train:
            continue
        what = (
            "uint8 images, (n, height, width) or (n, height, width, channels)"
            if kind == "images"
            else "integer labels 0, 1, ..., one per image"
        )
        group.add_argument(
            _flag(dest),
            metavar="FILE",
            type=Path,
            help=f"the {_WHAT[subset]} {kind}: an IDX file of {what} (default: the one "
            "in --idx-dir)",
        )
    if train:
        group.add_argument(
            "--class-names",
            metavar="FILE",
            type=Path,
            help="a text file naming the classes, one per line: label 0 on the "
            "first line, label 1 on the second, ... (default: Fashion-MNIST's "
            "names for Fashion-MNIST, else the labels' numbers)",
        )


def idx_files(args, subsets: tuple[str, ...]) -> dict[str, tuple[Path, Path]] | None:
    """{subset: (images file, labels file)} of the IDX options; None without any.

    Raises
    ------
    CommandError
        If a file is missing, a path is a folder, --idx-dir holds no file or
        several data sets' files for a role, or a Fashion-MNIST option is
        given too.
    """
    roles = [dest for dest, (subset, _) in FILE_OPTIONS.items() if subset in subsets]
    named = {dest: getattr(args, dest, None) for dest in roles}
    if args.idx_dir is None and not any(named.values()):
        return None
    for dest, flag in _FASHION_OPTIONS.items():
        if getattr(args, dest, None):
            raise CommandError(
                f"{flag} applies to Fashion-MNIST, not to your own IDX files: "
                "leave it out, or leave out --idx-dir and "
                f"{', '.join(map(_flag, roles))}."
            )
    found = _find_files(args.idx_dir, roles) if args.idx_dir is not None else {}
    files = {}
    for dest in roles:
        path = named[dest] or found.get(dest)
        subset, kind = FILE_OPTIONS[dest]
        if path is None:
            if args.idx_dir is not None:
                raise CommandError(
                    f"{args.idx_dir} holds no {_WHAT[subset]} {kind} file: "
                    f"expected {_USUAL_NAMES[dest]} or {_USUAL_NAMES[dest]}.gz "
                    "(or the same name with a prefix, as EMNIST's); pass it with "
                    f"{_flag(dest)} FILE."
                )
            raise CommandError(
                f"{_flag(dest)} is missing: pass {', '.join(map(_flag, roles))} "
                "together, or --idx-dir DIR for a folder that holds them."
            )
        _check_file(path, _flag(dest))
        files[dest] = path
    return {
        subset: (files[f"{subset}_images"], files[f"{subset}_labels"])
        for subset in subsets
    }


def _check_file(path: Path, flag: str) -> None:
    if path.is_dir():
        raise CommandError(
            f"{flag} {path} is a folder: pass the IDX file itself, or the folder "
            "with --idx-dir."
        )
    if not path.is_file():
        raise CommandError(f"{flag} {path}: no such file.")


def _find_files(folder: Path, roles: list[str]) -> dict[str, Path]:
    """{option dest: file} of the data set's files in ``folder`` (those found)."""
    if not folder.is_dir():
        what = "is a file, not a folder" if folder.exists() else "does not exist"
        raise CommandError(
            f"--idx-dir {folder} {what}: pass the folder that holds the IDX files, "
            "or each file with --train-images, --train-labels, --test-images and "
            "--test-labels."
        )
    # prefix -> option dest -> the files of that role
    sets: dict[str, dict[str, list[Path]]] = {}
    for path in sorted(folder.iterdir()):
        match = _FILE_NAME.fullmatch(path.name)
        if match is None or not path.is_file():
            continue
        subset = "train" if match["subset"] == "train" else "test"
        dest = f"{subset}_{match['kind']}"
        sets.setdefault(match["prefix"] or "", {}).setdefault(dest, []).append(path)
    complete = [prefix for prefix, found in sets.items() if set(roles) <= set(found)]
    if len(complete) > 1:
        names = ", ".join(
            f"{prefix}-" if prefix else "no prefix" for prefix in complete
        )
        raise CommandError(
            f"--idx-dir {folder} holds the files of {len(complete)} data sets "
            f"({names}): pass the files of one with "
            f"{', '.join(map(_flag, roles))}, or give it a folder of its own."
        )
    # The complete set; else the one with most files, so that the error names
    # what is missing from it.
    chosen = complete or sorted(sets, key=lambda prefix: -len(sets[prefix]))
    if not chosen:
        return {}
    # An uncompressed file first: it is read without decompressing (a
    # Fashion-MNIST cache holds both).
    return {
        dest: min(paths, key=lambda path: (path.suffix == ".gz", path.name))
        for dest, paths in sets[chosen[0]].items()
    }


def read_idx_set(images_path: Path, labels_path: Path, what: str):
    """(images, labels) of two IDX files, checked; ``what`` is "training" or "test".

    Raises
    ------
    CommandError
        If a file is not IDX, or not uint8 images (n, h, w) or (n, h, w, c)
        and integer labels 0, 1, ... of the same count.
    """
    from skfashion.datasets import read_idx

    images = read_idx(images_path, mmap=True)
    if images.dtype != np.uint8 or images.ndim not in (3, 4) or not len(images):
        raise CommandError(
            f"{images_path} holds {images.dtype} data of shape {images.shape}; "
            f"{what} images must be uint8 (pixel values 0-255) of shape (n, height, "
            "width) or (n, height, width, channels), n >= 1. Write them with "
            "skfashion.datasets.write_idx(path, images.astype(np.uint8))."
        )
    labels = read_idx(labels_path)
    if labels.ndim != 1 or not np.issubdtype(labels.dtype, np.integer):
        raise CommandError(
            f"{labels_path} holds {labels.dtype} data of shape {labels.shape}; "
            f"{what} labels must be integers, one per image: shape (n,)."
        )
    if len(labels) and labels.min() < 0:
        raise CommandError(
            f"{labels_path} holds the label {labels.min()}; labels must be 0, 1, "
            "2, ..., one number per class."
        )
    if len(labels) != len(images):
        raise CommandError(
            f"{images_path} holds {len(images)} images but {labels_path} holds "
            f"{len(labels)} labels: they must be pairs, one label per image. "
            "Check that the two files belong together."
        )
    return images, labels


def shape_text(shape: tuple[int, ...]) -> str:
    """An image's shape as people write it: 28x28, or 32x32x3."""
    if len(shape) == 3 and shape[2] == 1:
        shape = shape[:2]
    return "x".join(map(str, shape))


def read_class_names(path: Path) -> list[str]:
    """The class names in a text file, one per line, label 0 on the first."""
    _check_file(path, "--class-names")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except UnicodeDecodeError:
        raise CommandError(
            f"--class-names {path} is not UTF-8 text: save it as UTF-8, one "
            "class name per line."
        ) from None
    names = [line.strip() for line in lines]
    while names and not names[-1]:  # blank lines at the end
        names.pop()
    if not names:
        raise CommandError(
            f"--class-names {path} is empty: name one class per line, label 0 on "
            "the first line."
        )
    for number, name in enumerate(names, 1):
        if not name:
            raise CommandError(
                f"--class-names {path}: line {number} is empty; name each class on "
                "its own line, label 0 on the first (without blank lines)."
            )
        if names.index(name) != number - 1:
            raise CommandError(
                f"--class-names {path} names {name!r} twice (lines "
                f"{names.index(name) + 1} and {number}): each class needs a name "
                "of its own."
            )
    return names


def check_named(labels: np.ndarray, labels_path, names: list[str], names_path) -> None:
    """That every label has a name in ``names`` (the --class-names file)."""
    if len(labels) and labels.max() >= len(names):
        raise CommandError(
            f"{labels_path} holds the label {labels.max()}, but --class-names "
            f"{names_path} names {len(names)} classes, labels 0 to "
            f"{len(names) - 1}: add a line for each class."
        )
