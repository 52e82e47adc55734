"""
=====================================
The Fashion-MNIST data at a glance
=====================================

Load the 70,000 images with :func:`~skfashion.datasets.fetch_fashion_mnist`
(downloaded once, then memory-mapped from the cache), count the classes and
show the first images of each class, scaled with
:class:`~skfashion.MinMax255`.

Offline? Copy the four official ``.gz`` files into
``~/skfashion_data/fashion_mnist/`` or point ``SKFASHION_MIRRORS`` at a folder
that holds them (``file:///path/to/folder``).
"""

# %%
# Load both subsets
# -----------------
import matplotlib.pyplot as plt
import numpy as np

from skfashion import MinMax255, fetch_fashion_mnist

train = fetch_fashion_mnist(subset="train")
test = fetch_fashion_mnist(subset="test")
print(f"train: {train.data.shape}, test: {test.data.shape}")
for label, name in enumerate(train.target_names):
    n_train = np.count_nonzero(train.target == label)
    n_test = np.count_nonzero(test.target == label)
    print(f"{label}  {name:<12} {n_train:>6} train {n_test:>6} test")

# %%
# Scale the pixels and look at them
# ---------------------------------
# ``MinMax255`` needs no fitting: it divides by 255.
X = MinMax255().transform(train.data)
print(f"pixels after scaling: min {X.min()}, max {X.max()}, mean {X.mean():.3f}")

fig, axes = plt.subplots(10, 8, figsize=(8, 10.5))
for label, row in enumerate(axes):
    first = np.flatnonzero(train.target == label)[: len(row)]
    for ax, index in zip(row, first, strict=True):
        ax.imshow(X[index].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        ax.set_axis_off()
    row[0].set_title(train.target_names[label], loc="left", fontsize=9)
fig.tight_layout()
plt.show()
