"""Text formatting shared by the checker, the roster and the site."""

from __future__ import annotations


def clock(seconds: float) -> str:
    """A video time as YouTube shows it: ``3:37``, ``1:02:03`` (whole seconds)."""
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"
