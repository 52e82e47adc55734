"""
=====================================
Watching a CNN train in TensorBoard
=====================================

Train :class:`~skfashion.CNNClassifier` on a subset of Fashion-MNIST with
skfashion's three TensorBoard callbacks, then open the logs in TensorBoard:

- :class:`~skfashion.callbacks.TensorBoard`: loss and accuracy of each epoch
  on the training and the validation data, the learning rate (Scalars tab),
  a histogram of every weight at each epoch (Histograms and Distributions
  tabs) and the network's layers (Graphs tab);
- :class:`~skfashion.callbacks.EmbeddingProjector`: the network's class
  probabilities for a sample of validation images after each epoch, with
  the images as thumbnails (Projector tab); a second one, with
  ``source="weights"``, adds the original study's view, the rows of the
  softmax layer's kernel (one point per unit of the dense layer below);
- :class:`~skfashion.callbacks.FeatureMapLogger`: the feature maps of the
  convolution and pooling layers for three images (Images tab).

All three write into one run folder per fit under ``runs/`` in the current
directory, named after the estimator, its non-default parameters and the
time. The example prints the ``tensorboard --logdir`` command to run, then
reads the scalars and a feature map back from the event files and plots
them.

It trains the default CNN for 10 epochs on 10,000 training images (a sixth
of the training set): a small fraction of the "CNN, defaults" fit of
:ref:`benchmarks`, plus the logging. The output on this page comes from a
shorter run, made when the documentation was built: the same code on the
first 3,000 training images only, logging into a temporary folder.
"""

# %%
# Train with the three callbacks
# ------------------------------
# The callbacks hold only their parameters; each fit creates its writers and
# its run folder. ``validation_split=0.1`` holds out the last tenth of the
# training images, which gives the validation curves and the probe images of
# the projector. ``epochs=10`` makes ten points on each curve and ten
# snapshots in the Projector (the default, ``epochs="auto"``, would train
# longer on these 9,000 images).
import io
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.image import imread
from matplotlib.ticker import MaxNLocator
from sklearn.pipeline import make_pipeline
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.util import tensor_util

from skfashion import CNNClassifier, MinMax255, fetch_fashion_mnist
from skfashion.callbacks import EmbeddingProjector, FeatureMapLogger, TensorBoard

train = fetch_fashion_mnist(subset="train")
X, y = train.data[:10_000], train.target[:10_000]
log_dir = Path("runs")
# sphinx_gallery_start_ignore
# Not shown in the docs: fewer images and epochs in the docs build and the
# tests (_gallery_modes.py). Both log into a temporary folder, deleted at
# exit, so that they leave no files.
import tempfile  # noqa: E402

from _gallery_modes import N_TRAIN, QUICK, TINY, train_briefly  # noqa: E402

X, y = X[:N_TRAIN], y[:N_TRAIN]
if QUICK or TINY:
    temporary = tempfile.TemporaryDirectory(prefix="skfashion-runs-")
    log_dir = Path(temporary.name)
# sphinx_gallery_end_ignore

callbacks = [
    TensorBoard(log_dir),
    EmbeddingProjector(log_dir, target_names=train.target_names),
    EmbeddingProjector(log_dir, source="weights"),
    FeatureMapLogger(log_dir, n_images=3),
]
model = make_pipeline(
    MinMax255(),
    CNNClassifier(epochs=10, validation_split=0.1, random_state=0, callbacks=callbacks),
)
# sphinx_gallery_start_ignore
train_briefly(model)
# sphinx_gallery_end_ignore
runs_before = set(log_dir.glob("*")) if log_dir.exists() else set()
model.fit(X, y)
(run,) = set(log_dir.glob("*")) - runs_before
print(f"run folder: {run}")
for path in sorted(run.rglob("*")):
    if path.is_dir():
        print(f"  {path.relative_to(run)}/")

# %%
# Open TensorBoard
# ----------------
# Run this command and open the address it prints (http://localhost:6006).
# Every fit adds a run folder; TensorBoard shows them side by side.
print(f"tensorboard --logdir {log_dir}")

# %%
# What TensorBoard shows
# ----------------------
# - **Scalars**: ``epoch_loss``, ``epoch_accuracy`` (``train`` and
#   ``validation`` runs) and ``epoch_learning_rate``, which the cosine
#   schedule brings down to 0 over the epochs.
# - **Histograms** and **Distributions**: each weight, by its layer, for
#   example ``conv1/kernel``, at step 0 (the initial weights) and after each
#   epoch.
# - **Images**: ``probe_images/image_<i>``, and the feature maps
#   ``feature_maps/<layer>/image_<i>``; move the step slider to see the
#   filters develop.
# - **Projector**: one embedding per epoch (``softmax@epoch_001``, ...).
#   Color the points by ``label`` or by ``correct``, and switch between the
#   epochs to see the classes separate. The weights' embeddings
#   (``softmax/kernel@epoch_001``, ...) have one point per unit of
#   ``dense_1``, labelled ``dense_1 #17``, placed by its weights to the 10
#   classes: the study's view of the network.
# - **Graphs**: the network's layers; **Text**: the estimator's parameters.
#
# Read the logs back
# ------------------
# TensorBoard's ``event_accumulator`` reads the event files: every summary
# is stored as a tensor, and its plugin name says which tab shows it.


def read_scalars(folder):
    """Tag -> (steps, values) of the scalar summaries in ``folder``."""
    reader = event_accumulator.EventAccumulator(
        str(folder), size_guidance={event_accumulator.TENSORS: 0}
    ).Reload()
    scalars = {}
    for tag in reader.Tags()["tensors"]:
        if reader.SummaryMetadata(tag).plugin_data.plugin_name == "scalars":
            events = reader.Tensors(tag)
            steps = [event.step for event in events]
            values = [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]
            scalars[tag] = (steps, values)
    return scalars


curves = {name: read_scalars(run / name) for name in ("train", "validation")}
fig, axes = plt.subplots(1, 3, figsize=(12, 3.5), layout="constrained")
tags = ["epoch_accuracy", "epoch_loss", "epoch_learning_rate"]
for ax, tag in zip(axes, tags, strict=True):
    for name, scalars in curves.items():
        if tag in scalars:  # the learning rate is logged with "train" only
            ax.plot(*scalars[tag], marker="o", label=name)
    ax.set_title(tag)
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.legend()
fig.suptitle("Scalars read back from the event files")

# %%
# The feature maps are PNG images in the event file of the run folder itself.
# Here the first convolution's maps for the first probe image, before
# training (step 0) and after the last epoch:
reader = event_accumulator.EventAccumulator(
    str(run), size_guidance={event_accumulator.TENSORS: 0}
).Reload()
events = reader.Tensors("feature_maps/conv1/image_0")
fig, axes = plt.subplots(1, 2, figsize=(10, 3), layout="constrained")
for ax, event in zip(axes, [events[0], events[-1]], strict=True):
    # An image summary holds the width, the height, then the PNG bytes.
    png = tensor_util.make_ndarray(event.tensor_proto)[2]
    ax.imshow(imread(io.BytesIO(png)), cmap="gray")
    ax.set_title(f"feature_maps/conv1/image_0, step {event.step}")
    ax.set_axis_off()
plt.show()
