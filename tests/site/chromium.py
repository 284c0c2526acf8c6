"""Headless Chromium as the browser tests and ``scripts/screenshots.py`` drive it: Debian's
system browser (never ``playwright install``), with every feature that would reach the network
or need a desktop turned off, so a page can only load what the local server gives it."""

from __future__ import annotations

import shutil

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
