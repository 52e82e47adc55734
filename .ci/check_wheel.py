"""Use an installed skfashion as a new user would: import, fetch, fit, predict.

Run by ``.ci/check_release.sh`` with the python of a fresh virtualenv that has
only the wheel (and what it requires) installed, from a folder outside the
source tree::

    python -I check_wheel.py file:///path/to/fashion-mnist

The argument is a ``file://`` mirror holding the four official files.
"""

import os
import subprocess
import sys
import sysconfig
import tempfile
from importlib.metadata import version
from pathlib import Path

import numpy as np

mirror = sys.argv[1]
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")

import skfashion  # noqa: E402
from skfashion import (  # noqa: E402
    ANNClassifier,
    CNNClassifier,
    MinMax255,
    fetch_fashion_mnist,
)

site_packages = Path(sysconfig.get_paths()["purelib"]).resolve()
location = Path(skfashion.__file__).resolve()
assert location.is_relative_to(site_packages), f"imported {location}, not the wheel"
assert skfashion.__version__ == version("skfashion"), skfashion.__version__
print(f"skfashion {skfashion.__version__} from {location.parent}")

with tempfile.TemporaryDirectory() as home:
    # The environment variables' route, as the README tells offline users.
    os.environ["SKFASHION_DATA"] = os.path.join(home, "env")
    os.environ["SKFASHION_MIRRORS"] = mirror
    test = fetch_fashion_mnist(subset="test")
    assert test.data.shape == (10000, 784), test.data.shape
    assert test.DESCR.startswith(".. _fashion_mnist_dataset:"), test.DESCR[:80]
    assert "Fashion-MNIST" in test.DESCR
    print(f"fetched {test.data.shape} via SKFASHION_MIRRORS; DESCR found")
    del os.environ["SKFASHION_MIRRORS"]

    # The arguments' route.
    X, y = fetch_fashion_mnist(
        subset="test",
        data_home=os.path.join(home, "arg"),
        mirrors=[mirror],
        return_X_y=True,
    )
    assert np.array_equal(X, test.data) and np.array_equal(y, test.target)

X = MinMax255().transform(X[:1200])
y = y[:1200]
ann = ANNClassifier(hidden_layer_sizes=(32,), epochs=2, batch_size=32, random_state=0)
ann.fit(X[:1000], y[:1000])
cnn = CNNClassifier(
    filters=(4,), dense_units=(16,), epochs=1, batch_size=32, random_state=0
)
cnn.fit(X[:1000], y[:1000])
for model in (ann, cnn):
    predicted = model.predict(X[1000:])
    assert predicted.shape == (200,) and set(predicted) <= set(range(10))
    accuracy = model.score(X[1000:], y[1000:])
    print(f"{type(model).__name__}: fit and predicted (accuracy {accuracy:.2f})")

# The console script that the wheel's entry point installs.
script = Path(sys.executable).with_name("skfashion")
help_text = subprocess.run(
    [str(script), "--help"], check=True, capture_output=True, text=True
).stdout
assert "usage: skfashion" in help_text, help_text[:200]
print("the skfashion command answers --help")
print("the installed wheel works")
