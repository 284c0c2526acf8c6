"""Data shared by more than one lab. Everything here works offline; nothing downloads."""

from dlcourse.labs.data.batches import TensorBatches
from dlcourse.labs.data.images import ImageSet, load_images, read_idx, write_idx
from dlcourse.labs.data.toy import toy_regression

__all__ = [
    "ImageSet",
    "TensorBatches",
    "load_images",
    "read_idx",
    "toy_regression",
    "write_idx",
]
