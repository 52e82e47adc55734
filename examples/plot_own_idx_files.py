"""
============================
Your own data in IDX files
============================

skfashion's classifiers are not tied to Fashion-MNIST: any images stored in
the IDX format, the simple format of (Fashion-)MNIST, can be read with
:func:`~skfashion.datasets.read_idx` and trained on. Here we make such a data
set ourselves: the footwear of Fashion-MNIST (sandals, sneakers and ankle
boots), shrunk to 14x14 pixels and relabeled 0 to 2, written with
:func:`~skfashion.datasets.write_idx` as four gzipped IDX files, read back,
and learned by :class:`~skfashion.CNNClassifier`, which takes the image size
from the data.

The files go to a temporary folder, deleted at the end. The default CNN
trains on 18,000 images of a quarter of the pixels: a fraction of the "CNN,
defaults" fit of :ref:`benchmarks`. The output on this page comes from a
shorter run, made when the documentation was built: the same code, with the
first 3,000 footwear images of the training set in the files (and all 3,000
of the test set).
"""

# %%
# Make a data set
# ---------------
# Keep the three footwear classes and average each 2x2 block of pixels,
# which gives 14x14 images, still 8-bit.
import shutil
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from sklearn.pipeline import make_pipeline

from skfashion import CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion.datasets import read_idx, write_idx
from skfashion.plotting import plot_images

FOOTWEAR = {5: "Sandal", 7: "Sneaker", 9: "Ankle boot"}  # Fashion-MNIST labels
names = list(FOOTWEAR.values())


def footwear(subset):
    """The footwear images of a subset, 14x14 uint8, with labels 0 to 2."""
    data = fetch_fashion_mnist(subset=subset)
    keep = np.flatnonzero(np.isin(data.target, list(FOOTWEAR)))
    images = data.images[keep].reshape(-1, 14, 2, 14, 2).mean(axis=(2, 4))
    labels = np.searchsorted(list(FOOTWEAR), data.target[keep])
    return images.round().astype(np.uint8), labels.astype(np.uint8)


train_images, train_labels = footwear("train")
test_images, test_labels = footwear("test")
# sphinx_gallery_start_ignore
# Not shown in the docs. Their build (SKFASHION_EXAMPLES_QUICK=1) keeps the
# first 3,000 training images; the tests (SKFASHION_EXAMPLES_TEST=1) 300
# training and 300 test images, and train for 2 epochs: they check that the
# example runs, not its accuracy.
from _gallery_modes import N_TRAIN, TINY, train_briefly  # noqa: E402

train_images, train_labels = train_images[:N_TRAIN], train_labels[:N_TRAIN]
if TINY:
    test_images, test_labels = test_images[:300], test_labels[:300]
# sphinx_gallery_end_ignore
print(f"train: {train_images.shape} {train_images.dtype}, labels {train_labels.shape}")
print(f"test:  {test_images.shape} {test_images.dtype}, labels {test_labels.shape}")

# %%
# Write the IDX files
# -------------------
# A name ending in ``.gz`` is gzipped. Each file is written to a temporary
# file first and renamed into place when complete, so a reader never sees a
# half-written file.
folder = Path(tempfile.mkdtemp(prefix="footwear-"))
arrays = {
    "train-images-idx3-ubyte.gz": train_images,
    "train-labels-idx1-ubyte.gz": train_labels,
    "t10k-images-idx3-ubyte.gz": test_images,
    "t10k-labels-idx1-ubyte.gz": test_labels,
}
for filename, array in arrays.items():
    write_idx(folder / filename, array)
    print(f"{filename:<28} {(folder / filename).stat().st_size:>9,} bytes")

# %%
# An IDX file is a 4-byte magic number (two zero bytes, a type code, the
# number of dimensions), one 4-byte big-endian size per dimension, then the
# data. Written uncompressed, the header of the training images reads:
write_idx(folder / "train-images-idx3-ubyte", train_images)
header = (folder / "train-images-idx3-ubyte").read_bytes()[:16]
print("magic:", header[:4].hex(" "), "(0x08: unsigned bytes, 3 dimensions)")
print("sizes:", [int.from_bytes(header[i : i + 4], "big") for i in (4, 8, 12)])

# %%
# Read them back
# --------------
# :func:`~skfashion.datasets.read_idx` recognizes gzip by the file's
# content; an uncompressed file can also be memory-mapped (``mmap=True``),
# which loads nothing until the data is used.
X_train = read_idx(folder / "train-images-idx3-ubyte.gz")
y_train = read_idx(folder / "train-labels-idx1-ubyte.gz")
X_test = read_idx(folder / "t10k-images-idx3-ubyte.gz")
y_test = read_idx(folder / "t10k-labels-idx1-ubyte.gz")
mapped = read_idx(folder / "train-images-idx3-ubyte", mmap=True)
assert np.array_equal(X_train, train_images) and np.array_equal(mapped, X_train)
print(f"read back: {X_train.shape} {X_train.dtype}, {y_train.shape} {y_train.dtype}")

# %%
# Train on them
# -------------
# A scikit-learn pipeline takes one row per image, so the 14x14 images are
# flattened to 196 pixels. The CNN reshapes rows back into images: 196 is
# 14 squared, so it works on 14x14x1 images (``image_shape`` sets any other
# shape).
rows_train = X_train.reshape(len(X_train), -1)
rows_test = X_test.reshape(len(X_test), -1)
model = make_pipeline(MinMax255(), CNNClassifier(random_state=0))
# sphinx_gallery_start_ignore
train_briefly(model)
# sphinx_gallery_end_ignore
model.fit(rows_train, y_train)
cnn = model[-1]
print(f"the CNN's image shape: {cnn.image_shape_}")
print(f"test accuracy: {model.score(rows_test, y_test):.2%}")

# %%
# Test images with their true and predicted classes: first mistakes (in
# red), then right answers.
y_pred = model.predict(rows_test)
wrong = np.flatnonzero(y_pred != y_test)[:8]
right = np.flatnonzero(y_pred == y_test)[:8]
shown = np.concatenate([wrong, right])
fig = plot_images(X_test[shown], y_test[shown], y_pred[shown], target_names=names)
fig.suptitle("Footwear at 14x14 pixels: mistakes, then right answers")
plt.show()

# %%
# The same files on the command line
# -----------------------------------
# Under their usual names, the four files make a data set that ``skfashion
# train`` takes in place of Fashion-MNIST (see :ref:`cli`); with the class
# names in a text file, one per line, ``evaluate`` and ``predict`` print
# them, and ``predict`` converts photos to the model's 14x14 pixels::
#
#     skfashion train --idx-dir FOLDER --class-names footwear.txt --model cnn
#     skfashion evaluate runs/<date>-<time>
#     skfashion predict runs/<date>-<time>/cnn sandal.jpg

# %%
# Clean up the temporary folder.
shutil.rmtree(folder)
