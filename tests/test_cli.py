"""The skfashion command line, its saved models and its image conversion.

The commands run in-process through ``main([...])`` on a few hundred images
and tiny networks; one test runs ``python -m skfashion --help``.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import keras
import matplotlib.image
import numpy as np
import pytest
from PIL import Image
from sklearn.pipeline import Pipeline, make_pipeline
from tensorboard.backend.event_processing import event_accumulator

from skfashion import (
    ANNClassifier,
    CNNClassifier,
    MinMax255,
    fetch_fashion_mnist,
    write_idx,
)
from skfashion._images import image_to_pixels
from skfashion._saving import load_run_model, save_run_model
from skfashion.cli import main
from skfashion.datasets import FASHION_MNIST_CLASSES

N_TRAIN, N_TEST = 300, 200
TINY = [
    "--epochs", "1",
    "--hidden-layer-sizes", "32",
    "--filters", "4", "8",
    "--dense-units", "16",
    "--random-state", "0",
]  # fmt: skip
FIGURES = ("training_curves", "confusion_matrix", "misclassified")


@pytest.fixture(scope="module")
def test_data(fashion_home):
    X, y = fetch_fashion_mnist(data_home=fashion_home, subset="test", return_X_y=True)
    return X[:N_TEST], y[:N_TEST]


@pytest.fixture(scope="module")
def run(fashion_home, tmp_path_factory):
    """A `train --model both` run: (output folder, its stdout)."""
    out = tmp_path_factory.mktemp("run") / "out"
    subsets = ["--n-train", N_TRAIN, "--n-test", N_TEST]
    data = ["--data-home", fashion_home, "--offline"]
    argv = ["train", *TINY, *subsets, *data, "--output-dir", out]
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main([str(arg) for arg in argv])
    assert status == 0
    return out, stdout.getvalue()


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
        assert fragment in lines[0]


# ------------------------------------------------------------------ train
def test_train_writes_models_metrics_figures_and_logs(run):
    out, stdout = run
    summary = json.loads((out / "summary.json").read_text())
    assert [row["model"] for row in summary["models"]] == ["ann", "cnn"]
    for name in ("ann", "cnn"):
        folder = out / name
        assert (folder / "model.keras").stat().st_size > 0
        metadata = json.loads((folder / "estimator.json").read_text())
        assert metadata["estimator"] == f"{name.upper()}Classifier"
        assert metadata["preprocessing"]["class"] == "MinMax255"
        metrics = json.loads((folder / "metrics.json").read_text())
        assert set(metrics["per_class"]) == set(FASHION_MNIST_CLASSES)
        assert metrics["n_train"] == N_TRAIN and metrics["n_test"] == N_TEST
        assert metrics["epochs"] == 1 and metrics["fit_seconds"] > 0
        assert metrics["params"]["epochs"] == 1
        assert f"{name}: test accuracy {metrics['test_accuracy']:.4f}" in stdout
        figures = FIGURES + (("feature_maps",) if name == "cnn" else ())
        for figure in figures:
            pixels = matplotlib.image.imread(folder / f"{figure}.png")
            assert pixels.shape[0] > 100 and pixels.shape[1] > 100
        assert (name == "cnn") == (folder / "feature_maps.png").exists()
        events = list((folder / "tensorboard").rglob("events.out.tfevents.*"))
        assert events
        train_run = next(p.parent for p in events if p.parent.name == "train")
        reader = event_accumulator.EventAccumulator(
            str(train_run), size_guidance={event_accumulator.TENSORS: 0}
        ).Reload()
        tags = reader.Tags()["tensors"]
        assert "epoch_accuracy" in tags
        assert any(tag.endswith("/kernel") for tag in tags)  # histograms
        assert list((folder / "tensorboard").rglob("projector_config.pbtxt"))
    # Per-class report, then the side-by-side table.
    assert "Ankle boot" in stdout and "weighted avg" in stdout
    table = stdout[stdout.index("model  estimator") :]
    assert "ANNClassifier" in table and "CNNClassifier" in table


def test_saved_model_scores_what_metrics_say(run, test_data):
    out, _ = run
    X, y = test_data
    for name in ("ann", "cnn"):
        model = load_run_model(out / name)
        assert isinstance(model, Pipeline) and isinstance(model[0], MinMax255)
        metrics = json.loads((out / name / "metrics.json").read_text())
        assert model.score(X, y) == metrics["test_accuracy"]


def test_train_refuses_a_used_output_dir(run, capsys):
    out, _ = run
    status, _, err = run_main(["train", "--output-dir", out], capsys)
    assert_one_line_error(status, err, "not an empty folder")


def test_train_without_data_or_network_fails_in_one_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("skfashion.datasets._base.time.sleep", lambda seconds: None)
    home, nowhere = tmp_path / "home", (tmp_path / "nowhere").as_uri()
    argv = ["train", "--data-home", home, "--output-dir", tmp_path / "out"]
    status, _, err = run_main([*argv, "--mirror", nowhere], capsys)
    assert_one_line_error(status, err, "could not be downloaded", "--mirror")
    status, _, err = run_main([*argv, "--offline"], capsys)
    assert_one_line_error(status, err, "--offline", "skfashion fetch")


# --------------------------------------------------------- evaluate, predict
def test_evaluate_prints_the_training_accuracy(run, fashion_home, capsys):
    out, _ = run
    options = ["--n-test", N_TEST, "--data-home", fashion_home, "--offline"]
    status, stdout, _ = run_main(["evaluate", out, *options], capsys)
    assert status == 0
    for name in ("ann", "cnn"):
        metrics = json.loads((out / name / "metrics.json").read_text())
        assert f"{name}: test accuracy {metrics['test_accuracy']:.4f}" in stdout
    # A model's own folder works too.
    status, stdout, _ = run_main(["evaluate", out / "cnn", *options], capsys)
    assert status == 0 and "ann:" not in stdout and "cnn: test accuracy" in stdout


def test_predict_images_and_idx(run, test_data, tmp_path, capsys):
    out, _ = run
    X, _ = test_data
    model = load_run_model(out / "cnn")
    images = X[:3].reshape(3, 28, 28)
    Image.fromarray(images[0]).save(tmp_path / "dark.png")
    # The same garment dark on white, in color: inverted back.
    Image.fromarray(255 - images[0]).convert("RGB").save(tmp_path / "light.png")
    write_idx(tmp_path / "three.idx", images)

    argv = ["predict", out / "cnn", tmp_path / "dark.png", tmp_path / "light.png"]
    status, stdout, _ = run_main([*argv, tmp_path / "three.idx"], capsys)
    assert status == 0
    proba = model.predict_proba(X[:3])
    expected = [FASHION_MNIST_CLASSES[i] for i in model.classes_[proba.argmax(1)]]
    lines = stdout.strip().splitlines()
    assert len(lines) == 5
    assert lines[0] == f"{tmp_path / 'dark.png'}: {expected[0]} ({proba[0].max():.1%})"
    assert lines[1] == lines[0].replace("dark.png", "light.png")
    for i in range(3):
        assert lines[2 + i] == (
            f"{tmp_path / 'three.idx'}[{i}]: {expected[i]} ({proba[i].max():.1%})"
        )
    # All the models of a run, each line tagged with its model.
    status, stdout, _ = run_main(["predict", out, tmp_path / "dark.png"], capsys)
    assert status == 0
    assert [line.split("]")[0] for line in stdout.splitlines()] == ["[ann", "[cnn"]


@pytest.mark.parametrize(
    "case, fragment",
    [
        ("missing run", "does not exist"),
        ("not a run", "is not a saved run"),
        ("unreadable image", "is not an image"),
        ("missing image", "no such file"),
        ("float idx", "expected uint8 images"),
    ],
)
def test_predict_errors_are_one_line(run, tmp_path, capsys, case, fragment):
    out, _ = run
    (tmp_path / "notes.png").write_text("not an image")
    write_idx(tmp_path / "floats.idx", np.zeros((2, 28, 28), np.float32))
    good = tmp_path / "notes.png"
    argv = {
        "missing run": [tmp_path / "nothing", good],
        "not a run": [tmp_path, good],
        "unreadable image": [out / "ann", good],
        "missing image": [out / "ann", tmp_path / "nothing.png"],
        "float idx": [out / "ann", tmp_path / "floats.idx"],
    }[case]
    status, _, err = run_main(["predict", *argv], capsys)
    assert_one_line_error(status, err, fragment)


# ------------------------------------------------------------- saved models
def test_save_and_load_predict_bit_for_bit(test_data, tmp_path):
    X, y = test_data
    cnn = CNNClassifier(filters=(4,), dense_units=(8,), epochs=1, random_state=0)
    model = make_pipeline(MinMax255(), cnn).fit(X, y)
    save_run_model(model, tmp_path)
    loaded = load_run_model(tmp_path)
    assert (
        isinstance(loaded, Pipeline) and loaded[0].get_params() == model[0].get_params()
    )
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert loaded[-1].image_shape_ == cnn.image_shape_ == (28, 28, 1)
    assert loaded[-1].history_["loss"] == pytest.approx(cnn.history_["loss"])
    assert loaded[-1].get_params() == cnn.get_params()


def test_save_and_load_a_classifier_with_string_classes(test_data, tmp_path):
    X, y = test_data
    X = (X / 255).astype(np.float32)
    names = np.asarray(FASHION_MNIST_CLASSES)[y]
    ann = ANNClassifier((8,), epochs=1, random_state=np.random.RandomState(0))
    ann.fit(X, names)
    save_run_model(ann, tmp_path)
    metadata = json.loads((tmp_path / "estimator.json").read_text())
    assert metadata["preprocessing"] is None
    assert "random_state" in metadata["params_not_saved"]
    loaded = load_run_model(tmp_path)
    assert type(loaded) is ANNClassifier and loaded.random_state is None
    assert loaded.hidden_layer_sizes == (8,)
    np.testing.assert_array_equal(loaded.classes_, ann.classes_)
    np.testing.assert_array_equal(loaded.predict_proba(X), ann.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict(X), ann.predict(X))


# Keras' own save, under NumPy 2 (skfashion's save silences it).
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_load_refuses_code_and_unknown_classes(run, tmp_path, capsys):
    out, _ = run
    metadata = json.loads((out / "ann" / "estimator.json").read_text())
    (tmp_path / "estimator.json").write_text(json.dumps(metadata))

    # A network with a Python lambda in it: Keras' safe mode refuses it.
    inputs = keras.Input((784,))
    outputs = keras.layers.Dense(10, "softmax")(
        keras.layers.Lambda(lambda x: x * 2)(inputs)
    )
    keras.Model(inputs, outputs).save(tmp_path / "model.keras")
    with pytest.raises(ValueError, match="could not be loaded safely"):
        load_run_model(tmp_path)
    status, _, err = run_main(["predict", tmp_path, tmp_path / "model.keras"], capsys)
    assert_one_line_error(status, err, "could not be loaded safely")

    metadata["estimator"] = "os.system"
    (tmp_path / "estimator.json").write_text(json.dumps(metadata))
    with pytest.raises(ValueError, match="only ANNClassifier, CNNClassifier"):
        load_run_model(tmp_path)
    (tmp_path / "estimator.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not valid JSON"):
        load_run_model(tmp_path)
    (tmp_path / "model.keras").unlink()
    with pytest.raises(FileNotFoundError, match="has no model.keras"):
        load_run_model(tmp_path)


# ------------------------------------------------------------ image files
def test_enlarged_photos_convert_back_to_the_images(test_data, tmp_path):
    # Images 1 to 4 fill the height: trimming and centering keep them in place.
    for image in test_data[0][1:5].reshape(-1, 28, 28):
        photo = Image.fromarray(255 - image).convert("RGB").resize((140, 140))
        photo.save(tmp_path / "photo.jpg", quality=95)
        pixels = image_to_pixels(tmp_path / "photo.jpg").astype(float)
        assert np.corrcoef(pixels, image.ravel())[0, 1] > 0.9


def test_image_conversion_inverts_trims_and_centers(tmp_path):
    # A dark 60x30 garment on a white 200x100 photo.
    photo = np.full((100, 200, 3), 250, np.uint8)
    photo[20:80, 85:115] = 10
    Image.fromarray(photo).save(tmp_path / "photo.jpg", quality=95)
    pixels = image_to_pixels(tmp_path / "photo.jpg").reshape(28, 28)
    assert pixels.dtype == np.uint8
    # Inverted: a light garment on black, 28 high, 14 wide, centered.
    rows = np.flatnonzero(pixels.max(axis=1) > 128)
    cols = np.flatnonzero(pixels.max(axis=0) > 128)
    assert (rows[0], rows[-1]) == (0, 27)
    assert 12 <= len(cols) <= 16 and abs((cols[0] + cols[-1]) / 2 - 13.5) <= 1
    assert pixels[:, :5].max() < 30 and pixels[:, -5:].max() < 30

    # A 28x28 image on black is kept as it is; a transparent PNG is on white.
    image = np.zeros((28, 28), np.uint8)
    image[5:20, 10:15] = 200
    Image.fromarray(image).save(tmp_path / "same.png")
    np.testing.assert_array_equal(image_to_pixels(tmp_path / "same.png"), image.ravel())
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[5:20, 10:15] = (0, 0, 0, 255)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    np.testing.assert_array_equal(
        image_to_pixels(tmp_path / "alpha.png"), 255 * (image.ravel() > 0)
    )


# ------------------------------------------------------- fetch, info, help
def test_fetch_downloads_and_verifies(real_data_dir, tmp_path, capsys):
    argv = ["fetch", "--data-home", tmp_path, "--mirror", real_data_dir.as_uri()]
    status, stdout, _ = run_main(argv, capsys)
    assert status == 0
    assert "60000 training and 10000 test images" in stdout
    assert "4 of 4 files match" in stdout
    assert len(list((tmp_path / "fashion_mnist").glob("*.gz"))) == 4


def test_info_prints_versions_and_data_home(tmp_path, capsys):
    status, stdout, _ = run_main(["info", "--data-home", tmp_path], capsys)
    assert status == 0
    assert stdout.startswith("skfashion ")
    assert "keras " in stdout and "tensorflow " in stdout
    assert f"data home: {tmp_path} (--data-home)" in stdout
    assert "0 of 4 files" in stdout and "skfashion fetch" in stdout


def test_python_m_skfashion_help():
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run(
        [sys.executable, "-m", "skfashion", "--help"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        cwd=Path(__file__).parent,
    )
    assert result.returncode == 0, result.stderr
    for command in ("train", "evaluate", "predict", "fetch", "info"):
        assert command in result.stdout


def test_import_help_and_fetch_do_not_import_tensorflow(fashion_home):
    # TensorFlow takes seconds to import: only the commands that train or
    # load a model may pay for it.
    code = (
        "import sys\n"
        "import skfashion\n"
        "from skfashion.cli import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        f"main(['fetch', '--data-home', {str(fashion_home)!r}, '--offline'])\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False False"


def test_train_help_shows_the_classifiers_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # undo the line wrapping
    ann, cnn = ANNClassifier(), CNNClassifier()
    assert f"(default: ANN {ann.batch_size}, CNN {cnn.batch_size})" in text
    assert f"(default: {' '.join(map(str, cnn.filters))})" in text
    assert "estimator_default" not in text


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "0"])
    assert exit_info.value.code == 2
    assert "must be a positive integer" in capsys.readouterr().err
