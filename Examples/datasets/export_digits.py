#!/usr/bin/env python3
"""Export scikit-learn's bundled 8x8 handwritten digits as an aimc `arrays` dataset.

The digits (UCI "Optical Recognition of Handwritten Digits", 1797 images of 8 x 8 pixels,
intensities 0..16, 10 classes) ship inside Debian's python3-sklearn; nothing is downloaded.
Written as one .npz with

    x_train  float32 [N x 1 x 8 x 8]   intensities / 16, in 0..1
    y_train  int64   [N]               digit 0..9
    x_test, y_test                     the same for the test split

The split is fixed: a permutation from numpy.random.RandomState(0), the first 1437 images
(80 %) for training and the remaining 360 for testing.

    python3 Examples/datasets/export_digits.py                 # writes Examples/datasets/digits.npz
    python3 Examples/datasets/export_digits.py OUT.npz          # elsewhere
    aimc run Experiments/digits-mlp-pcm.yaml
"""
import os
import sys

try:
    import numpy as np
    from sklearn.datasets import load_digits
except ImportError as e:  # pragma: no cover - message for users without the packages
    sys.exit(f"export_digits.py needs NumPy and scikit-learn ({e}); on Debian: sudo apt-get install python3-numpy python3-sklearn")

TRAIN = 1437


def digits_arrays():
    """The four arrays of the dataset, as described in the module docstring."""
    d = load_digits()
    x = (d.data / 16.0).astype(np.float32).reshape(-1, 1, 8, 8)
    y = d.target.astype(np.int64)
    order = np.random.RandomState(0).permutation(len(y))
    x, y = x[order], y[order]
    return {"x_train": x[:TRAIN], "y_train": y[:TRAIN], "x_test": x[TRAIN:], "y_test": y[TRAIN:]}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "digits.npz")
    arrays = digits_arrays()
    tmp = out + ".tmp.npz"
    np.savez_compressed(tmp, **arrays)
    os.replace(tmp, out)
    print(f"wrote {out}: " + ", ".join(f"{k} {v.dtype} {list(v.shape)}" for k, v in arrays.items()))


if __name__ == "__main__":
    main()
