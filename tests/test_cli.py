"""The skfashion command line, skfashion.run_training and the image conversion.

The commands run in-process through ``main([...])`` on a few hundred images
and tiny networks, two training runs shared by the module; the tests of
what a user sees in a terminal (TensorFlow's start-up, a missing data set)
run ``python -m skfashion`` in a subprocess.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys

import keras
import matplotlib.image
import numpy as np
import pytest
from PIL import Image
from sklearn.pipeline import Pipeline
from tensorboard.backend.event_processing import event_accumulator

import skfashion
from skfashion import (
    ANNClassifier,
    CNNClassifier,
    MinMax255,
    fetch_fashion_mnist,
    load_model,
    run_training,
    save_model,
    write_idx,
)
from skfashion._run_folder import model_folders
from skfashion.cli import main
from skfashion.datasets import FASHION_MNIST_CLASSES, read_image

N_TRAIN, N_TEST = 300, 100
TINY = [
    "--epochs", "1",
    "--hidden-layer-sizes", "32",
    "--filters", "4", "8",
    "--dense-units", "16",
    "--random-state", "0",
]  # fmt: skip
TINY_ANN = ["--epochs", "1", "--hidden-layer-sizes", "32", "--random-state", "0"]
# Hyperparameter options of the `run` fixture, and what they set.
OPTIONS = [
    "--batch-size", "50",
    "--learning-rate", "0.003",
    "--validation-split", "0.2",
    "--dropout", "0.25",
]  # fmt: skip
PARAMS = {
    "batch_size": 50,
    "learning_rate": 0.003,
    "validation_split": 0.2,
    "dropout": 0.25,
}
FIGURES = ("training_curves", "confusion_matrix", "misclassified", "saliency")
# A line of TensorFlow's (or XLA's) C++ logging, or absl's notice before it.
TF_LOG_LINE = re.compile(
    r"[IWE]\d{4} [\d:.]+ +\d+ \S+:\d+\] "
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] \S+:\d+\] "
    r"|WARNING: All log messages before absl::InitializeLog"
)


def subset_options(fashion_home) -> list[str]:
    return [
        "--n-train", str(N_TRAIN),
        "--n-test", str(N_TEST),
        "--data-home", str(fashion_home),
        "--offline",
    ]  # fmt: skip


def train(argv) -> str:
    """Run ``skfashion train`` in-process; its stdout."""
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        status = main(["train", *map(str, argv)])
    assert status == 0
    return stdout.getvalue()


@pytest.fixture(scope="module")
def test_data(fashion_home):
    X, y = fetch_fashion_mnist(data_home=fashion_home, subset="test", return_X_y=True)
    return X[:N_TEST], y[:N_TEST]


@pytest.fixture(scope="module")
def run(fashion_home, tmp_path_factory):
    """A `train --model both` run with hyperparameter options: (folder, stdout)."""
    out = tmp_path_factory.mktemp("run") / "out"
    options = [*TINY, *OPTIONS, *subset_options(fashion_home)]
    return out, train([*options, "--output-dir", out])


@pytest.fixture(scope="module")
def quiet_run(fashion_home, tmp_path_factory):
    """A `train --model ann -q --no-tensorboard` run: (folder, stdout)."""
    out = tmp_path_factory.mktemp("quiet") / "out"
    options = ["--model", "ann", "-q", "--no-tensorboard"]
    argv = [*TINY_ANN, *options, *subset_options(fashion_home), "--output-dir", out]
    return out, train(argv)


def run_main(argv, capsys) -> tuple[int, str, str]:
    status = main([str(arg) for arg in argv])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def run_python(code: str, env: dict | None = None, *args):
    """Run ``python -c code`` (or ``python -m skfashion args`` if code is "")."""
    command = ["-m", "skfashion", *map(str, args)] if not code else ["-c", code]
    return subprocess.run(
        [sys.executable, *command],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def environment(**variables) -> dict:
    """This process' environment without TF_CPP_MIN_LOG_LEVEL, plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return {**env, "MPLBACKEND": "Agg", **variables}


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
    # Progress, the per-class report, then the side-by-side table.
    assert "Training ann: ANNClassifier(" in stdout and "Saved cnn into" in stdout
    assert "Ankle boot" in stdout and "weighted avg" in stdout
    table = stdout[stdout.index("model  estimator") :]
    assert "ANNClassifier" in table and "CNNClassifier" in table


def test_hyperparameter_options_reach_the_estimators(run):
    out, _ = run
    for name in ("ann", "cnn"):
        # As saved (estimator.json) and as recorded (metrics.json) ...
        saved = json.loads((out / name / "estimator.json").read_text())["params"]
        recorded = json.loads((out / name / "metrics.json").read_text())["params"]
        for params in (saved, recorded):
            assert params.items() >= {**PARAMS, "epochs": 1, "random_state": 0}.items()
        # ... and as loaded, with the options of one network on that one only.
        classifier = load_model(out / name)[-1]
        assert classifier.get_params().items() >= PARAMS.items()
        # 20% of 300 images held out: validation curves.
        assert len(classifier.history_["val_loss"]) == 1
    assert load_model(out / "ann")[-1].hidden_layer_sizes == (32,)
    cnn = load_model(out / "cnn")[-1]
    assert cnn.filters == (4, 8) and cnn.dense_units == (16,)


def test_quiet_ann_run_without_tensorboard(quiet_run):
    out, stdout = quiet_run
    # --model ann: one model; -q: its accuracy, nothing else.
    assert sorted(p.name for p in out.iterdir()) == ["ann", "summary.json"]
    metrics = json.loads((out / "ann" / "metrics.json").read_text())
    (line,) = stdout.splitlines()
    accuracy = f"ann: test accuracy {metrics['test_accuracy']:.4f} on {N_TEST} images"
    assert line.startswith(f"{accuracy} (1 epochs in ")
    assert metrics["params"]["verbose"] == 0
    assert load_model(out / "ann")[-1].callbacks is None
    # --no-tensorboard: no logs, the model and the figures all the same.
    assert not (out / "ann" / "tensorboard").exists()
    assert {p.name for p in (out / "ann").iterdir()} == {
        "model.keras",
        "estimator.json",
        "metrics.json",
        *(f"{figure}.png" for figure in FIGURES),
    }


def test_run_training_writes_what_the_command_line_writes(
    quiet_run, fashion_home, tmp_path
):
    out, _ = quiet_run
    events = []
    run = run_training(
        tmp_path / "run",
        model="ann",
        params={"epochs": 1, "hidden_layer_sizes": (32,), "random_state": 0},
        data_home=fashion_home,
        download_if_missing=False,
        n_train=N_TRAIN,
        n_test=N_TEST,
        tensorboard=False,
        progress=lambda event, message: events.append((event, message)),
    )
    assert run.output_dir == tmp_path / "run"

    def files(folder):
        return sorted(p.relative_to(folder) for p in folder.rglob("*"))

    assert files(run.output_dir) == files(out)
    cli_metrics = json.loads((out / "ann" / "metrics.json").read_text())
    metrics = json.loads((run.output_dir / "ann" / "metrics.json").read_text())
    assert metrics == run.metrics["ann"]
    assert json.loads((run.output_dir / "summary.json").read_text()) == run.summary
    # The same parameters (-q is verbose=0, the default), the same model.
    assert metrics["params"] == cli_metrics["params"]
    assert metrics["test_accuracy"] == cli_metrics["test_accuracy"]
    assert [event for event, _ in events] == ["train", "score", "report", "save"]
    assert events[1][1].startswith("ann: test accuracy ")


def test_run_training_refuses_a_parameter_of_no_model(tmp_path):
    X, y = np.zeros((20, 784), np.uint8), np.arange(20) % 10
    with pytest.raises(ValueError, match="filters is not a parameter of ANNClassifier"):
        run_training(
            tmp_path, model="ann", params={"filters": (4,)}, train=(X, y), test=(X, y)
        )
    assert list(tmp_path.iterdir()) == []


def test_run_training_takes_images_and_names_their_classes(tmp_path):
    # Images (n, 28, 28) from Python, labels named by target_names.
    rng = np.random.default_rng(0)
    X, y = rng.integers(0, 256, (40, 28, 28), dtype=np.uint8), np.arange(40) % 3
    run = run_training(
        tmp_path / "run",
        model="ann",
        train=(X, y),
        test=(X[:12], y[:12]),
        target_names=["hat", "sock", "glove"],
        params={"epochs": 1, "hidden_layer_sizes": (8,), "verbose": 0},
        tensorboard=False,
    )
    metrics = json.loads((tmp_path / "run" / "ann" / "metrics.json").read_text())
    assert metrics == run.metrics["ann"]
    assert list(metrics["per_class"]) == ["hat", "sock", "glove"]
    assert metrics["classes"] == [0, 1, 2]
    assert metrics["data"] == {
        "train": {"source": "arrays"},
        "test": {"source": "arrays"},
        "image_shape": [28, 28, 1],
    }
    assert load_model(tmp_path / "run" / "ann")[-1].n_features_in_ == 784


@pytest.mark.parametrize(
    "change, message",
    [
        ({"train_y": np.arange(39) % 3}, "40 images but 39 labels"),
        ({"test_X": np.zeros((12, 12, 20), np.uint8)}, "the same size"),
        ({"target_names": ["hat", "sock"]}, "include 2, but target_names names 2"),
        ({"target_names": ["hat", "hat", "sock"]}, "name each class once"),
        ({"data_source": {"test": ("one file",)}}, "must be 'fashion_mnist' or"),
    ],
)
def test_run_training_refuses_bad_data_before_creating_anything(
    tmp_path, change, message
):
    X, y = np.zeros((40, 28, 28), np.uint8), np.arange(40) % 3
    train = (X, change.pop("train_y", y))
    test = (change.pop("test_X", X[:12]), y[:12])
    with pytest.raises(ValueError, match=re.escape(message)):
        run_training(tmp_path / "new" / "run", train=train, test=test, **change)
    assert list(tmp_path.iterdir()) == []


TINY_PARAMS = {"epochs": 1, "hidden_layer_sizes": (8,), "filters": (4,), "verbose": 0}


def test_a_failed_run_leaves_nothing_it_created(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.integers(0, 256, (40, 784), dtype=np.uint8), np.arange(40) % 3
    data = {"train": (X, y), "test": (X[:12], y[:12]), "tensorboard": True}
    # The ANN fails at once (epochs=0, refused by fit): the new folders go,
    # its parents too; an empty folder that was there stays, empty.
    params = {**TINY_PARAMS, "epochs": 0}
    with pytest.raises(ValueError, match="epochs"):
        run_training(tmp_path / "a" / "b" / "run", params=params, **data)
    assert list(tmp_path.iterdir()) == []
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="epochs"):
        run_training(tmp_path / "empty", params=params, **data)
    assert list((tmp_path / "empty").iterdir()) == []
    # The CNN fails after the ANN was saved: the ANN stays, whole.
    params = {**TINY_PARAMS, "pool_size": 0}
    with pytest.raises(ValueError, match="pool_size"):
        run_training(tmp_path / "run", params=params, **data)
    assert sorted(p.name for p in (tmp_path / "run").iterdir()) == ["ann"]
    assert model_folders(tmp_path / "run") == {"ann": tmp_path / "run" / "ann"}
    assert (tmp_path / "run" / "ann" / "tensorboard").is_dir()


def test_train_refuses_a_used_output_dir(run, capsys):
    out, _ = run
    status, _, err = run_main(["train", "--output-dir", out], capsys)
    assert_one_line_error(status, err, "not an empty folder")
    with pytest.raises(FileExistsError, match="not an empty folder"):
        run_training(out)


def test_train_refuses_an_option_of_the_other_model(tmp_path, capsys):
    argv = ["train", "--model", "cnn", "--hidden-layer-sizes", "8"]
    argv += ["--output-dir", tmp_path]
    status, _, err = run_main(argv, capsys)
    assert_one_line_error(status, err, "--hidden-layer-sizes applies to the ann")


def test_train_without_data_or_network_fails_in_one_line(tmp_path, monkeypatch, capsys):
    sleeps = []
    monkeypatch.setattr("skfashion.datasets._base.time.sleep", sleeps.append)
    home = tmp_path / "home"
    argv = ["train", "--data-home", home, "--output-dir", tmp_path / "out"]
    # A host name that resolves nowhere (no network) is not retried.
    status, _, err = run_main([*argv, "--mirror", "https://skfashion.invalid/"], capsys)
    assert_one_line_error(status, err, "could not be downloaded", "--mirror")
    assert sleeps == []
    status, _, err = run_main([*argv, "--mirror", (tmp_path / "no").as_uri()], capsys)
    assert_one_line_error(status, err, "could not be downloaded", "--mirror")
    status, _, err = run_main([*argv, "--offline"], capsys)
    assert_one_line_error(status, err, "--offline", "skfashion fetch")
    assert not (tmp_path / "out").exists()


def test_train_without_data_stops_before_importing_tensorflow(tmp_path):
    code = (
        "import sys\n"
        "from skfashion.cli import main\n"
        f"argv = ['train', '--offline', '--data-home', {str(tmp_path)!r}]\n"
        "status = main(argv)\n"
        "print(status, 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    result = run_python(code, environment())
    assert result.stdout.splitlines() == ["1 False False"], result.stderr
    assert result.stderr.startswith("skfashion: error: Fashion-MNIST is not cached")


def test_tensorflow_start_up_lines_hidden_unless_asked_for(fashion_home, tmp_path):
    # A --model cnn run: no TensorFlow line on stderr, the CNN only.
    out = tmp_path / "out"
    argv = ["train", "--model", "cnn", "-q", "--no-tensorboard", "--epochs", "1"]
    argv += ["--filters", "4", "--dense-units", "8", "--output-dir", out]
    result = run_python("", environment(), *argv, *subset_options(fashion_home))
    assert result.returncode == 0, result.stderr
    assert not [line for line in result.stderr.splitlines() if TF_LOG_LINE.match(line)]
    assert "cudart_stub" not in result.stderr and "cpu_feature" not in result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["cnn", "summary.json"]
    saved = json.loads((out / "cnn" / "estimator.json").read_text())
    assert saved["estimator"] == "CNNClassifier" and saved["params"]["filters"] == [4]

    # TF_CPP_MIN_LOG_LEVEL set by the user: TensorFlow's lines as it writes
    # them (those of "import tensorflow", if this machine gets any).
    env = environment(TF_CPP_MIN_LOG_LEVEL="0")
    plain = run_python("import tensorflow", env)
    info = run_python("", env, "info", "--data-home", tmp_path)
    assert info.returncode == 0, info.stderr

    def sources(text):  # the C++ files that logged, such as cudart_stub.cc
        return {m.group(1) for m in re.finditer(r" (\S+\.cc):\d+\] ", text)}

    assert sources(plain.stderr) <= sources(info.stderr)


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


def test_saved_model_scores_what_metrics_say(run, test_data):
    out, _ = run
    X, y = test_data
    for name in ("ann", "cnn"):
        model = load_model(out / name)
        assert isinstance(model, Pipeline) and isinstance(model[0], MinMax255)
        metrics = json.loads((out / name / "metrics.json").read_text())
        assert model.score(X, y) == metrics["test_accuracy"]


def test_evaluate_refuses_a_half_saved_model(run, fashion_home, tmp_path, capsys):
    # cnn/ holds model.keras but no estimator.json: a save that stopped midway.
    out, _ = run
    shutil.copytree(out / "ann", tmp_path / "ann")
    (tmp_path / "cnn").mkdir()
    shutil.copy(out / "cnn" / "model.keras", tmp_path / "cnn")
    options = ["--n-test", N_TEST, "--data-home", fashion_home, "--offline"]
    status, stdout, err = run_main(["evaluate", tmp_path, *options], capsys)
    assert_one_line_error(
        status,
        err,
        f"{tmp_path / 'cnn'} holds model.keras but no estimator.json",
        "stopped midway",
        f"pass the folder of a complete model alone, such as {tmp_path / 'ann'}",
    )
    assert stdout == ""
    # The complete model, named: evaluated.
    status, stdout, _ = run_main(["evaluate", tmp_path / "ann", *options], capsys)
    assert status == 0 and stdout.startswith("ann: test accuracy ")
    # A model that summary.json lists, whose folder is gone.
    shutil.rmtree(tmp_path / "cnn")
    shutil.copy(out / "summary.json", tmp_path)
    status, _, err = run_main(["evaluate", tmp_path, *options], capsys)
    assert_one_line_error(status, err, "lists the model 'cnn'", "is missing")


@pytest.fixture(scope="module")
def bare_ann(test_data, tmp_path_factory):
    """A bare ANNClassifier on scaled pixels, saved from Python: (folder, model)."""
    X, y = test_data
    ann = ANNClassifier((8,), epochs=1, random_state=0).fit(X / 255.0, y)
    return save_model(ann, tmp_path_factory.mktemp("bare")), ann


def test_evaluate_and_predict_a_bare_classifier_saved_from_python(
    bare_ann, test_data, fashion_home, tmp_path, capsys
):
    folder, ann = bare_ann
    X, y = test_data
    options = ["--n-test", N_TEST, "--data-home", fashion_home, "--offline"]
    status, stdout, _ = run_main(["evaluate", folder, *options], capsys)
    assert status == 0
    # Given raw pixels, scaled as it was trained (MinMax255 in front).
    accuracy = ann.score(MinMax255().transform(X), y)
    assert stdout.startswith(
        f"{folder.name}: test accuracy {accuracy:.4f} on {N_TEST} images of "
        "Fashion-MNIST\n"
    )
    # No class names were saved with it: its labels, as they are.
    write_idx(tmp_path / "two.idx", X[:2].reshape(2, 28, 28))
    status, stdout, _ = run_main(["predict", folder, tmp_path / "two.idx"], capsys)
    assert status == 0
    proba = ann.predict_proba(MinMax255().transform(X[:2]))
    assert stdout.splitlines() == [
        f"{tmp_path / 'two.idx'}[{i}]: {ann.classes_[p.argmax()]} ({p.max():.1%})"
        for i, p in enumerate(proba)
    ]


def test_predict_idx_rows_and_one_image(run, test_data, tmp_path, capsys):
    out, _ = run
    X, _ = test_data
    write_idx(tmp_path / "rows.idx", X[:3])  # (3, 784)
    write_idx(tmp_path / "one.idx", X[3].reshape(28, 28))  # one 28x28 image
    argv = ["predict", out / "ann", tmp_path / "rows.idx", tmp_path / "one.idx"]
    status, stdout, _ = run_main(argv, capsys)
    assert status == 0
    model = load_model(out / "ann")
    proba = model.predict_proba(X[:4])
    names = [f"{tmp_path / 'rows.idx'}[{i}]" for i in range(3)]
    names.append(f"{tmp_path / 'one.idx'}[0]")
    assert stdout.splitlines() == [
        f"{name}: {FASHION_MNIST_CLASSES[model.classes_[p.argmax()]]} ({p.max():.1%})"
        for name, p in zip(names, proba, strict=True)
    ]


def test_predict_images_and_idx(run, test_data, tmp_path, capsys):
    out, _ = run
    X, _ = test_data
    model = load_model(out / "cnn")
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
        ("a folder", "is a folder, not an image file: pass the image files in it"),
        ("float idx", "expected uint8 images of shape (n, 28, 28, 1) or (n, 28, 28)"),
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
        "a folder": [out / "ann", tmp_path],
        "float idx": [out / "ann", tmp_path / "floats.idx"],
    }[case]
    status, _, err = run_main(["predict", *argv], capsys)
    assert_one_line_error(status, err, fragment)


# Keras' own save, under NumPy 2 (skfashion's save silences it).
@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_predict_refuses_a_network_with_code(run, test_data, tmp_path, capsys):
    # A run whose network was replaced by one with a Lambda layer, its
    # checksum updated too: Keras' safe mode refuses it.
    out, _ = run
    Image.fromarray(test_data[0][0].reshape(28, 28)).save(tmp_path / "shirt.png")
    inputs = keras.Input((784,))
    outputs = keras.layers.Dense(10, "softmax")(
        keras.layers.Lambda(lambda x: x * 2)(inputs)
    )
    keras.Model(inputs, outputs).save(tmp_path / "model.keras")
    metadata = json.loads((out / "ann" / "estimator.json").read_text())
    digest = hashlib.sha256((tmp_path / "model.keras").read_bytes()).hexdigest()
    (tmp_path / "estimator.json").write_text(
        json.dumps({**metadata, "model_sha256": digest})
    )
    status, _, err = run_main(["predict", tmp_path, tmp_path / "shirt.png"], capsys)
    assert_one_line_error(status, err, "could not be loaded safely")


# ------------------------------------------------------------ image files
def test_enlarged_photos_convert_back_to_the_images(test_data, tmp_path):
    # Images 1 to 4 fill the height: trimming and centering keep them in place.
    for image in test_data[0][1:5].reshape(-1, 28, 28):
        photo = Image.fromarray(255 - image).convert("RGB").resize((140, 140))
        photo.save(tmp_path / "photo.jpg", quality=95)
        pixels = read_image(tmp_path / "photo.jpg").astype(float)
        assert np.corrcoef(pixels, image.ravel())[0, 1] > 0.9


def test_image_conversion_inverts_trims_and_centers(tmp_path):
    # A dark 60x30 garment on a white 200x100 photo.
    photo = np.full((100, 200, 3), 250, np.uint8)
    photo[20:80, 85:115] = 10
    Image.fromarray(photo).save(tmp_path / "photo.jpg", quality=95)
    pixels = read_image(tmp_path / "photo.jpg").reshape(28, 28)
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
    np.testing.assert_array_equal(read_image(tmp_path / "same.png"), image.ravel())
    rgba = np.zeros((28, 28, 4), np.uint8)
    rgba[5:20, 10:15] = (0, 0, 0, 255)
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    np.testing.assert_array_equal(
        read_image(tmp_path / "alpha.png"), 255 * (image.ravel() > 0)
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


def test_info_on_a_complete_and_a_damaged_cache(real_data_dir, fashion_home, capsys):
    status, stdout, _ = run_main(["info", "--data-home", fashion_home], capsys)
    assert status == 0
    folder = fashion_home / "fashion_mnist"
    assert (
        f"Fashion-MNIST: 4 of 4 files in {folder}; cached, checksums verified" in stdout
    )
    # A flipped byte in one file, in a data home of its own.
    home = fashion_home.parent / "damaged_home"
    fetch_fashion_mnist(
        subset="all", data_home=home, mirrors=[real_data_dir.as_uri()], delay=0
    )
    labels = home / "fashion_mnist" / "t10k-labels-idx1-ubyte.gz"
    content = bytearray(labels.read_bytes())
    content[100] ^= 0xFF
    labels.write_bytes(bytes(content))
    status, stdout, _ = run_main(["info", "--data-home", home], capsys)
    assert status == 0
    assert (
        f"Fashion-MNIST: 4 of 4 files in {home / 'fashion_mnist'}; "
        "t10k-labels-idx1-ubyte.gz fails its published SHA-256 checksum: delete it "
        "and run 'skfashion fetch'"
    ) in stdout


def test_version(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"{skfashion.__version__}\n"


def test_train_without_output_dir_makes_a_runs_folder(
    fashion_home, tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    options = ["--model", "ann", "-q", "--no-tensorboard", *TINY_ANN]
    stdout = train([*options, *subset_options(fashion_home)])
    (run_dir,) = (tmp_path / "runs").iterdir()
    assert re.fullmatch(r"\d{8}-\d{6}", run_dir.name)
    assert sorted(p.name for p in run_dir.iterdir()) == ["ann", "summary.json"]
    metrics = json.loads((run_dir / "ann" / "metrics.json").read_text())
    assert stdout.startswith(f"ann: test accuracy {metrics['test_accuracy']:.4f}")


def test_a_train_that_fails_removes_its_run_folder(
    fashion_home, tmp_path, monkeypatch, capsys
):
    # The disk fills up while the figures are saved: no runs/ folder is left.
    def disk_full(*args):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("skfashion._training._save_figures", disk_full)
    monkeypatch.chdir(tmp_path)
    options = ["--model", "ann", "-q", "--no-tensorboard", *TINY_ANN]
    status, _, err = run_main(
        ["train", *options, *subset_options(fashion_home)], capsys
    )
    assert_one_line_error(status, err, "No space left on device")
    assert list(tmp_path.iterdir()) == []


def test_python_m_skfashion_help():
    result = run_python("", environment(TF_CPP_MIN_LOG_LEVEL="3"), "--help")
    assert result.returncode == 0, result.stderr
    for command in ("train", "evaluate", "predict", "fetch", "info"):
        assert command in result.stdout
    assert "TF_CPP_MIN_LOG_LEVEL" in result.stdout


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
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "False False"


def test_train_help_shows_the_classifiers_defaults(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = " ".join(capsys.readouterr().out.split())  # undo the line wrapping
    ann, cnn = ANNClassifier(), CNNClassifier()
    assert f"(default: ANN {ann.learning_rate}, CNN {cnn.learning_rate})" in text
    # The same default for both is said once.
    assert ann.batch_size == cnn.batch_size == "auto"
    assert "images per gradient step (default: auto)" in text
    assert f"(default: {' '.join(map(str, cnn.filters))})" in text
    assert "estimator_default" not in text


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--epochs", "0"])
    assert exit_info.value.code == 2
    assert "must be a positive integer" in capsys.readouterr().err
