"""Figures without a display: the Agg backend, small defaults, one helper to open a figure."""

from __future__ import annotations

from typing import Any


def subplots(nrows: int = 1, ncols: int = 1, size: float = 4.0, **kwargs: Any) -> tuple[Any, Any]:
    """``plt.subplots`` on the Agg backend (works on servers and in CI), square panels."""
    import matplotlib

    if matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False, **kwargs)


def image_grid(ax: Any, images: Any, rows: int, cols: int) -> None:
    """Tile ``images [n, 1, h, w]`` into one grey picture on ``ax``."""
    import numpy as np

    imgs = np.asarray(images)[: rows * cols, 0]
    h, w = imgs.shape[1:]
    grid = np.ones((rows * (h + 1), cols * (w + 1)))
    for k, img in enumerate(imgs):
        r, c = divmod(k, cols)
        grid[r * (h + 1) : r * (h + 1) + h, c * (w + 1) : c * (w + 1) + w] = img
    ax.imshow(grid, cmap="gray_r", vmin=0, vmax=1)
    ax.axis("off")
