"""The command line on your own IDX files: train, evaluate, predict, and every refusal.

The data set is made here with write_idx: 12x20-pixel images of 4 classes
(a bright band in one of four places), named by a --class-names file. One
``train --model both`` run on it, 1 epoch of tiny networks, is shared by
the module; what it printed and wrote is read back.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil

import numpy as np
import pytest
from PIL import Image

from skfashion import load_model, write_idx
from skfashion.cli import main
from skfashion.cli._images import image_row
from skfashion.datasets import read_idx

HEIGHT, WIDTH, N_CLASSES = 12, 20, 4
NAMES = ["left", "middle left", "middle right", "right"]
TINY = [
    "--epochs", "1",
    "--hidden-layer-sizes", "8",
    "--filters", "4",
    "--dense-units", "8",
    "--random-state", "0",
]  # fmt: skip
FILES = {
    "train-images-idx3-ubyte.gz": "train images",
    "train-labels-idx1-ubyte.gz": "train labels",
    "t10k-images-idx3-ubyte.gz": "test images",
    "t10k-labels-idx1-ubyte.gz": "test labels",
}


def bands(n: int, seed: int, shape=(HEIGHT, WIDTH)):
    """``n`` noisy images of ``shape``, a bright band where the label says."""
    rng = np.random.default_rng(seed)
    y = (np.arange(n) % N_CLASSES).astype(np.uint8)
    X = rng.integers(0, 60, size=(n, *shape)).astype(np.uint8)
    width = shape[1] // N_CLASSES
    for image, label in zip(X, y, strict=True):
        image[:, width * label : width * (label + 1)] += 150
    return X, y


def write_set(folder, n_train=80, n_test=20, shape=(HEIGHT, WIDTH), prefix=""):
    """The four IDX files of a data set in ``folder``; {role: path}."""
    folder.mkdir(parents=True, exist_ok=True)
    arrays = [*bands(n_train, 0, shape), *bands(n_test, 1, shape)]
    paths = {}
    for name, array in zip(FILES, arrays, strict=True):
        paths[FILES[name]] = folder / f"{prefix}{name}"
        write_idx(paths[FILES[name]], array)
    return paths


def run_main(argv, capsys) -> tuple[int, str, str]:
    status = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def assert_one_line_error(status, err, *fragments):
    assert status == 1
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("skfashion: error: ")
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


@pytest.fixture(scope="module")
def idx_set(tmp_path_factory):
    """A folder of the four IDX files and a class names file: (folder, paths)."""
    folder = tmp_path_factory.mktemp("bands")
    paths = write_set(folder)
    (folder / "names.txt").write_text("\n".join(NAMES) + "\n")
    return folder, paths


@pytest.fixture(scope="module")
def run(idx_set, tmp_path_factory):
    """``train --idx-dir --class-names`` of both models: (folder, stdout)."""
    folder, _ = idx_set
    out = tmp_path_factory.mktemp("run") / "out"
    argv = ["train", "--idx-dir", folder, "--class-names", folder / "names.txt"]
    argv += [*TINY, "--output-dir", out]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main([str(arg) for arg in argv])
    assert status == 0
    return out, stdout.getvalue()


# ------------------------------------------------------------ end to end
def test_train_evaluate_predict_on_12x20_images_of_4_classes(
    run, idx_set, tmp_path, capsys
):
    out, stdout = run
    _, paths = idx_set
    for name in ("ann", "cnn"):
        metrics = json.loads((out / name / "metrics.json").read_text())
        # Trained on 80 images, scored on 20, classes named by the file.
        assert metrics["n_train"] == 80 and metrics["n_test"] == 20
        assert list(metrics["per_class"]) == NAMES
        assert metrics["classes"] == [0, 1, 2, 3] and metrics["class_names"] == NAMES
        assert metrics["data"] == {
            "train": {
                "source": "idx",
                "images": str(paths["train images"].resolve()),
                "labels": str(paths["train labels"].resolve()),
            },
            "test": {
                "source": "idx",
                "images": str(paths["test images"].resolve()),
                "labels": str(paths["test labels"].resolve()),
            },
            "image_shape": [HEIGHT, WIDTH, 1],
        }
        accuracy = f"{name}: test accuracy {metrics['test_accuracy']:.4f} on 20 images"
        assert accuracy in stdout
        # The same files as a Fashion-MNIST run.
        figures = {"training_curves", "confusion_matrix", "misclassified", "saliency"}
        figures |= {"feature_maps"} if name == "cnn" else set()
        assert {p.stem for p in (out / name).glob("*.png")} == figures
        assert list((out / name / "tensorboard").rglob("events.out.tfevents.*"))
    assert "middle right" in stdout and "Ankle boot" not in stdout
    # The CNN folds its rows back into the 12x20 images.
    assert load_model(out / "cnn")[-1].image_shape_ == (HEIGHT, WIDTH, 1)

    # evaluate: on the recorded test files, with the run's class names.
    status, evaluated, _ = run_main(["evaluate", out], capsys)
    assert status == 0
    for name in ("ann", "cnn"):
        metrics = json.loads((out / name / "metrics.json").read_text())
        assert (
            f"{name}: test accuracy {metrics['test_accuracy']:.4f} on 20 images of "
            f"{paths['test images'].resolve()}"
        ) in evaluated
    assert evaluated.count("middle left") == 2

    # predict: a 12x20 PNG as it is, an IDX file of three images, by name.
    X_test = read_idx(paths["test images"])
    Image.fromarray(X_test[0]).save(tmp_path / "band.png")
    write_idx(tmp_path / "three.idx", X_test[:3])
    argv = ["predict", out, tmp_path / "band.png", tmp_path / "three.idx"]
    status, predicted, _ = run_main(argv, capsys)
    assert status == 0
    lines = predicted.strip().splitlines()
    assert len(lines) == 8
    inputs = [tmp_path / "band.png"] + [
        f"{tmp_path / 'three.idx'}[{i}]" for i in range(3)
    ]
    for name, block in (("ann", lines[:4]), ("cnn", lines[4:])):
        model = load_model(out / name)
        proba = model.predict_proba(X_test[[0, 0, 1, 2]].reshape(4, -1))
        assert block == [
            f"[{name}] {path}: {NAMES[model.classes_[p.argmax()]]} ({p.max():.1%})"
            for path, p in zip(inputs, proba, strict=True)
        ]


def test_evaluate_takes_other_test_files_and_checks_their_size(
    run, idx_set, tmp_path, capsys
):
    out, _ = run
    # Other test files of the same size: scored on them.
    paths = write_set(tmp_path / "other", n_test=8)
    argv = ["evaluate", out / "cnn", "--test-images", paths["test images"]]
    status, stdout, _ = run_main([*argv, "--test-labels", paths["test labels"]], capsys)
    assert status == 0
    assert f"on 8 images of {paths['test images']}" in stdout
    status, stdout, _ = run_main(
        ["evaluate", out, "--idx-dir", paths["test images"].parent, "--n-test", 5],
        capsys,
    )
    assert status == 0 and stdout.count("on 5 images of") == 2
    # Test files of another size: which model takes what, what to pass.
    paths = write_set(tmp_path / "square", n_test=8, shape=(28, 28))
    status, _, err = run_main(
        ["evaluate", out, "--idx-dir", tmp_path / "square"], capsys
    )
    assert_one_line_error(
        status, err, f"{out / 'ann'} takes 12x20 images", "28x28", "--idx-dir"
    )


def test_evaluate_says_when_the_recorded_test_files_are_gone(
    run, idx_set, tmp_path, capsys
):
    out, _ = run
    folder, _ = idx_set
    copy = tmp_path / "data"
    shutil.copytree(folder, copy)
    run_copy = tmp_path / "run"
    shutil.copytree(out / "ann", run_copy / "ann")
    metrics = json.loads((run_copy / "ann" / "metrics.json").read_text())
    missing = copy / "gone-t10k-images-idx3-ubyte.gz"
    metrics["data"]["test"]["images"] = str(missing)
    (run_copy / "ann" / "metrics.json").write_text(json.dumps(metrics))
    status, _, err = run_main(["evaluate", run_copy], capsys)
    assert_one_line_error(
        status, err, str(missing), "is missing", "--idx-dir DIR", "--test-images"
    )


# --------------------------------------------------------- finding files
def test_idx_dir_finds_gzipped_plain_and_prefixed_files(run, tmp_path, capsys):
    out, _ = run
    # EMNIST's names: a prefix, and "test" for "t10k"; uncompressed here.
    folder = tmp_path / "emnist"
    write_set(folder, n_test=6, prefix="emnist-bands-")
    for path in folder.iterdir():
        plain = path.with_name(path.name.removesuffix(".gz").replace("t10k", "test"))
        write_idx(plain, read_idx(path))
        path.unlink()
    status, stdout, _ = run_main(["evaluate", out / "ann", "--idx-dir", folder], capsys)
    assert status == 0
    assert f"on 6 images of {folder / 'emnist-bands-test-images-idx3-ubyte'}" in stdout
    # Two data sets in one folder: which, and what to do.
    write_set(folder, n_test=6, prefix="emnist-other-")
    status, _, err = run_main(["evaluate", out / "ann", "--idx-dir", folder], capsys)
    assert_one_line_error(
        status, err, "2 data sets", "emnist-bands-", "emnist-other-", "--test-images"
    )


def test_explicit_files_replace_those_of_the_folder(idx_set, tmp_path, capsys):
    folder, paths = idx_set
    other = write_set(tmp_path / "wide", shape=(HEIGHT, 2 * WIDTH))
    # Training images of another size than the folder's test images.
    argv = ["train", "--idx-dir", folder, "--train-images", other["train images"]]
    status, _, err = run_main([*argv, "--output-dir", tmp_path / "out"], capsys)
    assert_one_line_error(
        status,
        err,
        f"The test images {paths['test images']} are 12x20 pixels",
        f"the training images {other['train images']} 12x40",
    )
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- errors
def bad_inputs(folder, paths, tmp_path):
    """case -> (arguments of train, fragments of the error)."""
    write_idx(tmp_path / "floats.idx", np.zeros((80, HEIGHT, WIDTH), np.float32))
    write_idx(tmp_path / "rows.idx", np.zeros((80, HEIGHT * WIDTH), np.uint8))
    write_idx(tmp_path / "79-labels.idx", np.zeros(79, np.uint8))
    write_idx(tmp_path / "float-labels.idx", np.zeros(80, np.float32))
    write_idx(tmp_path / "negative.idx", np.full(80, -1, np.int8))
    (tmp_path / "three.txt").write_text("a\nb\nc\n")
    (tmp_path / "twice.txt").write_text("a\nb\na\nc\n")
    (tmp_path / "blank.txt").write_text("a\n\nb\nc\n")
    (tmp_path / "not-idx").write_text("hello")
    empty = tmp_path / "empty"
    empty.mkdir()
    files = [
        "--train-images", paths["train images"],
        "--train-labels", paths["train labels"],
        "--test-images", paths["test images"],
        "--test-labels", paths["test labels"],
    ]  # fmt: skip
    home = ["--idx-dir", folder]
    return {
        "missing file": (
            [*files[:-1], tmp_path / "nothing"],
            [f"--test-labels {tmp_path / 'nothing'}: no such file"],
        ),
        "folder for a file": (
            [*files[:-1], empty],
            [f"--test-labels {empty} is a folder", "--idx-dir"],
        ),
        "three of four files": (files[:-2], ["--test-labels is missing", "--idx-dir"]),
        "folder without files": (
            ["--idx-dir", empty],
            [
                f"{empty} holds no training images",
                "train-images-idx3-ubyte",
                "--train-images",
            ],
        ),
        "missing folder": (["--idx-dir", tmp_path / "nowhere"], ["does not exist"]),
        "not idx": (
            [*home, "--train-images", tmp_path / "not-idx"],
            [str(tmp_path / "not-idx"), "not an IDX file"],
        ),
        "float images": (
            [*home, "--train-images", tmp_path / "floats.idx"],
            [f"{tmp_path / 'floats.idx'} holds float32 data", "must be uint8"],
        ),
        "rows for images": (
            [*home, "--train-images", tmp_path / "rows.idx"],
            ["shape (80, 240)", "(n, height, width)"],
        ),
        "count mismatch": (
            [*home, "--train-labels", tmp_path / "79-labels.idx"],
            ["holds 80 images but", "79-labels.idx holds 79 labels"],
        ),
        "float labels": (
            [*home, "--train-labels", tmp_path / "float-labels.idx"],
            ["float-labels.idx holds float32 data", "integers"],
        ),
        "negative labels": (
            [*home, "--train-labels", tmp_path / "negative.idx"],
            ["negative.idx holds the label -1"],
        ),
        "too few names": (
            [*home, "--class-names", tmp_path / "three.txt"],
            [f"{paths['train labels']} holds the label 3", "names 3 classes"],
        ),
        "a name twice": (
            [*home, "--class-names", tmp_path / "twice.txt"],
            ["names 'a' twice (lines 1 and 3)"],
        ),
        "a blank line": (
            [*home, "--class-names", tmp_path / "blank.txt"],
            ["line 2 is empty"],
        ),
        "fashion option": (
            [*home, "--data-home", tmp_path],
            ["--data-home applies to Fashion-MNIST", "--idx-dir"],
        ),
    }


CASES = [
    "missing file",
    "folder for a file",
    "three of four files",
    "folder without files",
    "missing folder",
    "not idx",
    "float images",
    "rows for images",
    "count mismatch",
    "float labels",
    "negative labels",
    "too few names",
    "a name twice",
    "a blank line",
    "fashion option",
]


@pytest.mark.parametrize("case", CASES)
def test_bad_idx_data_is_refused_in_one_line_naming_the_file(
    idx_set, tmp_path, capsys, case
):
    folder, paths = idx_set
    argv, fragments = bad_inputs(folder, paths, tmp_path)[case]
    out = tmp_path / "out"
    status, _, err = run_main(["train", *argv, "--output-dir", out], capsys)
    assert_one_line_error(status, err, *fragments)
    assert not out.exists()


def test_cases_cover_every_bad_input(idx_set, tmp_path):
    assert set(bad_inputs(*idx_set, tmp_path)) == set(CASES)


# ------------------------------------------------------- image conversion
def test_image_files_are_converted_to_the_models_size(tmp_path):
    # A dark 60x30 object on a white 200x100 photo, in a 12x20 model.
    photo = np.full((100, 200, 3), 250, np.uint8)
    photo[20:80, 85:115] = 10
    Image.fromarray(photo).save(tmp_path / "photo.png")
    pixels = image_row(tmp_path / "photo.png", (HEIGHT, WIDTH, 1))
    assert pixels.shape == (HEIGHT * WIDTH,) and pixels.dtype == np.uint8
    image = pixels.reshape(HEIGHT, WIDTH)
    # Inverted (light on black), 12 high and 6 wide, centered.
    rows = np.flatnonzero(image.max(axis=1) > 128)
    cols = np.flatnonzero(image.max(axis=0) > 128)
    assert (rows[0], rows[-1]) == (0, HEIGHT - 1)
    assert 5 <= len(cols) <= 7 and abs((cols[0] + cols[-1]) / 2 - 9.5) <= 1
    assert image[:, :5].max() < 30 and image[:, -5:].max() < 30
    # An image of the model's size is kept as it is; color models get RGB.
    band = bands(1, 0)[0][0]
    Image.fromarray(band).save(tmp_path / "band.png")
    np.testing.assert_array_equal(
        image_row(tmp_path / "band.png", (HEIGHT, WIDTH, 1)), band.ravel()
    )
    rgb = image_row(tmp_path / "photo.png", (HEIGHT, WIDTH, 3)).reshape(
        HEIGHT, WIDTH, 3
    )
    np.testing.assert_array_equal(rgb[..., 0], image)


def test_color_images_end_to_end(tmp_path, capsys):
    # (n, 8, 10, 3) images in idx4 files, 3 classes by their dominant color.
    rng = np.random.default_rng(0)
    folder = tmp_path / "color"
    folder.mkdir()
    for subset, n in (("train", 60), ("t10k", 15)):
        y = (np.arange(n) % 3).astype(np.uint8)
        X = rng.integers(0, 60, size=(n, 8, 10, 3)).astype(np.uint8)
        X[np.arange(n), :, :, y] += 180
        write_idx(folder / f"{subset}-images-idx4-ubyte", X)
        write_idx(folder / f"{subset}-labels-idx1-ubyte", y)
    out = tmp_path / "run"
    argv = ["train", "--idx-dir", folder, "--model", "cnn", "-q", "--no-tensorboard"]
    argv += ["--epochs", 1, "--filters", 4, "--dense-units", 8, "--random-state", 0]
    status, _, _ = run_main([*argv, "--output-dir", out], capsys)
    assert status == 0
    metrics = json.loads((out / "cnn" / "metrics.json").read_text())
    assert metrics["data"]["image_shape"] == [8, 10, 3]
    assert metrics["class_names"] == ["0", "1", "2"]
    model = load_model(out / "cnn")
    assert model[-1].image_shape_ == (8, 10, 3)
    # A blue PNG of another size, converted to 8x10 RGB.
    picture = np.zeros((40, 50, 3), np.uint8)
    picture[..., 2] = 200
    Image.fromarray(picture).save(tmp_path / "blue.png")
    status, stdout, _ = run_main(["predict", out, tmp_path / "blue.png"], capsys)
    assert status == 0
    row = image_row(tmp_path / "blue.png", (8, 10, 3))
    assert row.reshape(8, 10, 3)[..., 2].min() == 200 and row.max() == 200
    proba = model.predict_proba(row[np.newaxis])[0]
    expected = model.classes_[proba.argmax()]
    assert stdout == f"{tmp_path / 'blue.png'}: {expected} ({proba.max():.1%})\n"
