"""``skfashion evaluate`` and ``skfashion predict``: the commands on saved models."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from ._common import (
    PROG,
    CommandError,
    add_subset_options,
    class_name,
    import_tensorflow,
    load_test_data,
    one_line,
)

__all__ = ["add_evaluate_parser", "add_predict_parser"]

# What skfashion.save_model writes into a model's folder (documented there).
_MODEL_FILE, _METADATA_FILE = "model.keras", "estimator.json"
# Fashion-MNIST's image side, in pixels.
_SIDE = 28

_RUN_DIR_HELP = (
    "a folder that 'train' wrote: OUTPUT_DIR (all its models) or OUTPUT_DIR/<model>"
)


# ---------------------------------------------------------------- evaluate
def add_evaluate_parser(commands, data) -> None:
    """Add the ``evaluate`` command to the subparsers ``commands``."""
    evaluate = commands.add_parser(
        "evaluate",
        parents=[data],
        help="score a saved model on the test set",
        description="Load the model(s) that 'train' saved into RUN_DIR and "
        "print their accuracy and per-class report on the test images.",
    )
    evaluate.add_argument("run_dir", metavar="RUN_DIR", type=Path, help=_RUN_DIR_HELP)
    add_subset_options(evaluate)
    evaluate.set_defaults(func=_evaluate)


def _evaluate(args) -> None:
    from sklearn.metrics import accuracy_score

    from .._training import classification_text

    folders = _model_folders(args.run_dir)
    X_test, y_test = load_test_data(args)
    import_tensorflow()
    for name, model in _load_models(folders).items():
        y_pred = model.predict(X_test)
        accuracy = accuracy_score(y_test, y_pred)
        print(f"{name}: test accuracy {accuracy:.4f} on {len(y_test)} images")
        print(classification_text(y_test, y_pred))


def _model_folders(run_dir: Path) -> dict[str, Path]:
    """{model name: folder} of the saved models of a run folder (or of one)."""
    if (run_dir / _METADATA_FILE).is_file():
        return {run_dir.resolve().name: run_dir}
    if not run_dir.is_dir():
        raise CommandError(
            f"{run_dir} does not exist: pass a folder that '{PROG} train' wrote."
        )
    folders = {
        sub.name: sub
        for sub in sorted(run_dir.iterdir())
        if (sub / _METADATA_FILE).is_file()
    }
    if not folders:
        raise CommandError(
            f"{run_dir} is not a saved run: it should hold {_MODEL_FILE} and "
            f"{_METADATA_FILE}, or subfolders (ann/, cnn/) that do, as "
            f"'{PROG} train' writes them."
        )
    return folders


def _load_models(folders: dict[str, Path]) -> dict:
    """{model name: estimator taking raw pixels} of the folders."""
    from sklearn.pipeline import Pipeline, make_pipeline

    from skfashion import MinMax255, load_model

    models = {}
    for name, folder in folders.items():
        model = load_model(folder)
        # The command line always gives raw pixels: a bare classifier saved
        # from Python gets the scaling it was trained behind.
        if not isinstance(model, Pipeline):
            model = make_pipeline(MinMax255(), model)
        models[name] = model
    return models


# ----------------------------------------------------------------- predict
_PREPROCESSING_HELP = """\
Images are converted as Fashion-MNIST's were: a light garment on a dark
background, 28x28 pixels, 8-bit grayscale. Each PNG or JPEG file (any size,
color or not; transparent parts count as white) is converted to grayscale;
if its border is mostly light (a photo of a garment on white), it is
inverted; unless it is 28x28 already, it is trimmed to the garment, scaled
so that its longest side is 28 pixels (keeping its aspect ratio) and
centered on a black 28x28 canvas. An IDX file (such as Fashion-MNIST's own,
gzipped or not) holds uint8 images of shape (n, 28, 28) or rows (n, 784),
taken as they are."""


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
    folders = _model_folders(args.run_dir)
    names, rows = _read_inputs(args.images)
    import_tensorflow()
    models = _load_models(folders)
    for model_name, model in models.items():
        proba = model.predict_proba(rows)
        classes = model.classes_
        best = proba.argmax(axis=1)
        prefix = f"[{model_name}] " if len(models) > 1 else ""
        for name, index, row in zip(names, best, proba, strict=True):
            print(f"{prefix}{name}: {class_name(classes[index])} ({row[index]:.1%})")


def _read_inputs(paths: list[Path]) -> tuple[list[str], np.ndarray]:
    """(a name per image, (n, 784) uint8 pixels) of image and IDX files."""
    from PIL.Image import DecompressionBombError

    from skfashion.datasets import read_image

    names, rows = [], []
    for path in paths:
        if not path.is_file():
            raise CommandError(f"{path}: no such file.")
        if _is_idx(path):
            images = _read_idx_images(path)
            names += [f"{path}[{i}]" for i in range(len(images))]
            rows.append(images)
        else:
            try:
                pixels = read_image(path)
            except (OSError, DecompressionBombError) as exc:
                raise CommandError(
                    f"{path} is not an image that can be read (PNG or JPEG) nor "
                    f"an IDX file: {one_line(exc)}"
                ) from None
            names.append(str(path))
            rows.append(pixels.reshape(1, _SIDE * _SIDE))
    return names, np.concatenate(rows)


def _is_idx(path: Path) -> bool:
    with open(path, "rb") as stream:
        magic = stream.read(3)
    # IDX starts with two zero bytes and a type code; gzip with 1f 8b.
    return magic[:2] == b"\x1f\x8b" or (magic[:2] == b"\0\0" and len(magic) == 3)


def _read_idx_images(path: Path) -> np.ndarray:
    from skfashion.datasets import read_idx, read_idx_header

    # The header first: a small gzip file can declare (and expand to)
    # gigabytes of anything, so the data is read only once it is images.
    dtype, shape = read_idx_header(path)
    if shape == (_SIDE, _SIDE):
        shape = (1, *shape)
    if dtype != np.uint8 or shape[1:] not in ((_SIDE, _SIDE), (_SIDE * _SIDE,)):
        raise CommandError(
            f"{path} holds {dtype} data of shape {shape}; expected "
            f"uint8 images of shape (n, {_SIDE}, {_SIDE}) or (n, {_SIDE * _SIDE})."
        )
    return read_idx(path).reshape(-1, _SIDE * _SIDE)
