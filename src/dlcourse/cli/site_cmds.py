"""CLI commands for this part (filled in by the part's owner)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Attach this part's commands to the root application."""
