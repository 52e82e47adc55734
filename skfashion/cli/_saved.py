"""``skfashion evaluate`` and ``skfashion predict``: the commands on saved models.

Both read a run folder through :mod:`skfashion._run_folder`, which imports
TensorFlow: they call ``import_tensorflow`` first, once the arguments are
checked, so that its start-up lines stay hidden.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from .._run_folder import (
    METADATA_FILE,
    METRICS_FILE,
    classification_text,
    image_shape,
    infer_image_shape,
    load_run,
    model_folders,
    read_json,
)
from ._common import (
    CommandError,
    add_subset_options,
    import_tensorflow,
    load_test_data,
)
from ._idx_data import add_idx_options, idx_files, read_idx_set, shape_text
from ._images import image_row

__all__ = ["add_evaluate_parser", "add_predict_parser"]

_RUN_DIR_HELP = (
    "a folder that 'train' wrote: OUTPUT_DIR (all its models) or OUTPUT_DIR/<model>"
)


def _load_models(run_dir: Path):
    """The run folder's models, each taking raw pixels; TensorFlow imported."""
    from sklearn.pipeline import Pipeline, make_pipeline

    if not run_dir.exists():  # said before TensorFlow's start-up
        raise CommandError(
            f"{run_dir} does not exist: pass a folder that 'train' wrote."
        )
    import_tensorflow()
    from skfashion import MinMax255

    run = load_run(run_dir)
    for name, model in run.models.items():
        # The command line always gives raw pixels: a bare classifier saved
        # from Python gets the scaling it was trained behind.
        if not isinstance(model, Pipeline):
            run.models[name] = make_pipeline(MinMax255(), model)
    return run


# ---------------------------------------------------------------- evaluate
_EVALUATE_EPILOG = (
    "The test images: those of the IDX options if given; else the test files "
    "recorded in each model's metrics.json when 'train' trained it on IDX "
    "files; else Fashion-MNIST's."
)


def add_evaluate_parser(commands, data) -> None:
    """Add the ``evaluate`` command to the subparsers ``commands``."""
    evaluate = commands.add_parser(
        "evaluate",
        parents=[data],
        help="score a saved model on the test set",
        description="Load the model(s) that 'train' saved into RUN_DIR and "
        "print their accuracy and per-class report on the test images of the "
        "data set they were trained on.",
        epilog=_EVALUATE_EPILOG,
    )
    evaluate.add_argument("run_dir", metavar="RUN_DIR", type=Path, help=_RUN_DIR_HELP)
    add_idx_options(evaluate, train=False)
    add_subset_options(evaluate)
    evaluate.set_defaults(func=_evaluate)


def _evaluate(args) -> None:
    from sklearn.metrics import accuracy_score

    given = idx_files(args, ("test",))
    run = _load_models(args.run_dir)
    test_sets = {}
    for name, model in run.models.items():
        source = _test_source(given, run, name)
        if source not in test_sets:
            test_sets[source] = _load_test_set(args, source)
        X_test, y_test = test_sets[source]
        _check_size(run, name, X_test, source)
        y_pred = model.predict(X_test.reshape(len(X_test), -1))
        accuracy = accuracy_score(y_test, y_pred)
        where = "Fashion-MNIST" if source is None else source[0]
        print(
            f"{name}: test accuracy {accuracy:.4f} on {len(y_test)} images of {where}"
        )
        print(classification_text(y_test, y_pred, run.target_names[name]))


def _test_source(given, run, name: str):
    """(images, labels) files to score a model on; None for Fashion-MNIST."""
    if given is not None:
        return given["test"]
    test = ((run.metrics[name] or {}).get("data") or {}).get("test") or {}
    if test.get("source") != "idx":
        return None
    files = Path(test["images"]), Path(test["labels"])
    for path in files:
        if not path.is_file():
            raise CommandError(
                f"{run.folders[name] / METRICS_FILE} records that {name} was "
                f"trained on IDX files, but its test file {path} is missing: pass "
                "the test files with --idx-dir DIR, or --test-images FILE and "
                "--test-labels FILE."
            )
    return files


def _load_test_set(args, source):
    if source is None:
        return load_test_data(args)
    X_test, y_test = read_idx_set(*source, "test")
    return X_test[: args.n_test], y_test[: args.n_test]


def _check_size(run, name: str, X_test, source) -> None:
    """That the test images are of the model's size, or what to do."""
    n_features = run.models[name][-1].n_features_in_
    if X_test[0].size == n_features:
        return
    shape = image_shape(run.models[name], run.metrics[name])
    takes = f"{shape_text(shape)} images" if shape else f"rows of {n_features} pixels"
    has = shape_text(X_test.shape[1:]) if X_test.ndim > 2 else f"{X_test[0].size}-pixel"
    where = "Fashion-MNIST's test images" if source is None else str(source[0])
    raise CommandError(
        f"{run.folders[name]} takes {takes}, but {where} holds {has} images: pass "
        "the test files of the data set it was trained on with --idx-dir DIR, or "
        "--test-images FILE and --test-labels FILE."
    )


# ----------------------------------------------------------------- predict
_PREPROCESSING_HELP = """\
Images are converted to the model's image size, as Fashion-MNIST's were to
28x28 pixels: a light object on a dark background, 8-bit. Each PNG or JPEG
file (any size, color or not; transparent parts count as white) is
converted to grayscale (or RGB, for a model of color images); if its border
is mostly light (a photo of a garment on white), it is inverted; unless it
has the model's size already, it is trimmed to the object, scaled to fit
the model's size (keeping its aspect ratio) and centered on black. An IDX
file (such as Fashion-MNIST's own, gzipped or not) holds uint8 images of
the model's size, (n, height, width), or rows (n, height * width), or one
image (height, width), taken as they are. The class names printed are the
model's own, as 'train' recorded them."""


def add_predict_parser(commands) -> None:
    """Add the ``predict`` command to the subparsers ``commands``."""
    predict = commands.add_parser(
        "predict",
        help="classify image files with a saved model",
        description="Print the most likely class of each image, and its probability.",
        epilog=_PREPROCESSING_HELP,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    predict.add_argument("run_dir", metavar="RUN_DIR", type=Path, help=_RUN_DIR_HELP)
    predict.add_argument(
        "images",
        metavar="IMAGE",
        type=Path,
        nargs="+",
        help="a PNG or JPEG file, or an IDX file of images",
    )
    predict.set_defaults(func=_predict)


def _predict(args) -> None:
    _check_inputs(args.images)
    _check_idx_headers(args.images, _declared_inputs(args.run_dir))
    run = _load_models(args.run_dir)
    inputs = {}  # (image shape, n_features) -> (names, rows)
    for model_name, model in run.models.items():
        n_features = model[-1].n_features_in_
        key = image_shape(model, run.metrics[model_name]), n_features
        if key not in inputs:
            inputs[key] = _read_inputs(args.images, *key)
        names, rows = inputs[key]
        proba = model.predict_proba(rows)
        classes = model.classes_
        best = proba.argmax(axis=1)
        class_names = run.target_names[model_name]
        prefix = f"[{model_name}] " if len(run.models) > 1 else ""
        for name, index, row in zip(names, best, proba, strict=True):
            label = classes[index].item()
            print(f"{prefix}{name}: {class_names.get(label, label)} ({row[index]:.1%})")


def _check_inputs(paths: list[Path]) -> None:
    """That each input is a file; said before TensorFlow's start-up."""
    for path in paths:
        if path.is_dir():
            raise CommandError(
                f"{path} is a folder, not an image file: pass the image files in "
                f"it, such as {path / '*.png'} (PNG, JPEG or IDX files)."
            )
        if not path.is_file():
            raise CommandError(
                f"{path}: no such file; pass PNG, JPEG or IDX files of images."
            )


def _read_inputs(paths: list[Path], shape, n_features: int):
    """(a name per image, (n, n_features) uint8 rows) of image and IDX files."""
    names, rows = [], []
    for path in paths:
        if _is_idx(path):
            images = _read_idx_images(path, shape, n_features)
            names += [f"{path}[{i}]" for i in range(len(images))]
            rows.append(images)
        else:
            names.append(str(path))
            rows.append(image_row(path, shape)[np.newaxis])
    return names, np.concatenate(rows)


def _is_idx(path: Path) -> bool:
    with open(path, "rb") as stream:
        magic = stream.read(3)
    # IDX starts with two zero bytes and a type code; gzip with 1f 8b.
    return magic[:2] == b"\x1f\x8b" or (magic[:2] == b"\0\0" and len(magic) == 3)


def _read_idx_images(path: Path, shape, n_features: int) -> np.ndarray:
    """(n, n_features) rows of an IDX file of uint8 images of the model's size.

    The file holds images (n, *shape), rows (n, n_features), or one image
    ``shape`` ((h, w) too for one channel); ``shape`` is (h, w, c) or None.
    """
    from skfashion.datasets import read_idx, read_idx_header

    _check_idx_header(path, *read_idx_header(path), shape, n_features)
    return read_idx(path).reshape(-1, n_features)


def _check_idx_header(path: Path, dtype, found, shape, n_features: int) -> None:
    """That an IDX header declares images a model of ``shape`` takes.

    The header first: a small gzip file can declare (and expand to)
    gigabytes of anything, so the data is read only once it is images.
    """
    one = [] if shape is None else [shape, shape[:2]] if shape[2] == 1 else [shape]
    if found in one:
        found = (1, *found)
    each = [*one, (n_features,)]
    if dtype != np.uint8 or found[1:] not in each:
        shapes = " or ".join("(n, " + ", ".join(map(str, s)) + ")" for s in each)
        takes = f"{shape_text(shape)} images" if shape else f"rows of {n_features}"
        raise CommandError(
            f"{path} holds {dtype} data of shape {found}; expected "
            f"uint8 images of shape {shapes}, as this model takes {takes}"
            + (f"; or one image of shape {one[-1]}." if one else ".")
        )


def _declared_inputs(run_dir: Path) -> list[tuple]:
    """(image shape, n_features) of each saved model, from its JSON alone.

    Read before TensorFlow starts and before any network is loaded, so that
    an IDX input of the wrong kind is refused from its header at once. A
    model whose JSON does not say is left out (loading it will report why).
    """
    try:
        folders = model_folders(run_dir)
    except (OSError, ValueError, CommandError):
        return []
    declared = []
    for folder in folders.values():
        metadata = read_json(folder / METADATA_FILE) or {}
        n_features = metadata.get("n_features_in")
        if isinstance(n_features, int):
            metrics = read_json(folder / METRICS_FILE)
            shape = infer_image_shape(metadata.get("image_shape"), n_features, metrics)
            declared.append((shape, n_features))
    return declared


def _check_idx_headers(paths: list[Path], declared: list[tuple]) -> None:
    """Refuse IDX inputs that no saved model takes, from their headers."""
    from skfashion.datasets import read_idx_header

    for path in paths:
        if _is_idx(path):
            dtype, found = read_idx_header(path)
            for shape, n_features in declared:
                _check_idx_header(path, dtype, found, shape, n_features)
