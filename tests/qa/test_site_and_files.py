"""QA regressions: the "play here" button survives sanitising; written files are readable."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.cli import app
from dlcourse.site.sanitize import clean_html
from dlcourse.util.files import atomic_write_text

runner = CliRunner()


def test_play_button_is_kept_and_stays_inert() -> None:
    # nh3 dropped <button> and left "Play here" as bare text in every video heading
    button = (
        '<button type="button" class="video-embed" data-video="0bMe_vCZo30" data-start="60" '
        "hidden>Play here</button>"
    )
    cleaned = clean_html(f"<h2>Title {button}</h2>")
    assert '<button type="button" class="video-embed" data-video="0bMe_vCZo30"' in cleaned
    assert 'data-start="60" hidden' in cleaned
    hostile = clean_html('<button onclick="x()" formaction="javascript:x()" form="f">b</button>')
    assert "onclick" not in hostile and "formaction" not in hostile and "form=" not in hostile


@pytest.mark.slow
def test_built_note_heading_has_a_button_not_text(tmp_path: Path) -> None:
    result = runner.invoke(app, ["build", "--out", str(tmp_path / "site"), "--no-search", "-q"])
    assert result.exit_code == 0, result.output
    page = (tmp_path / "site" / "en" / "week01" / "01-1" / "index.html").read_text("utf-8")
    assert '<button type="button" class="video-embed"' in page
    assert "</a> Play here</h2>" not in page


@pytest.fixture
def umask_022():
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_give_new_files_the_usual_mode_and_keep_old_modes(
    tmp_path: Path, umask_022
) -> None:
    # mkstemp made every written file 0600: roster.html, course.ics, notes from `notes new`
    fresh = tmp_path / "new.txt"
    atomic_write_text(fresh, "x")
    assert _mode(fresh) == 0o644
    kept = tmp_path / "kept.sh"
    kept.write_text("old")
    kept.chmod(0o755)
    atomic_write_text(kept, "new")
    assert _mode(kept) == 0o755 and kept.read_text() == "new"


def test_commands_write_readable_files(tmp_path: Path, umask_022) -> None:
    folder = tmp_path / "course"
    assert runner.invoke(app, ["init", str(folder)]).exit_code == 0
    ics = tmp_path / "course.ics"
    assert runner.invoke(app, ["calendar", "--course", str(folder), "-o", str(ics)]).exit_code == 0
    result = runner.invoke(app, ["notes", "new", "3", "1", "--course", str(folder)])
    assert result.exit_code == 0, result.output
    note = folder / "docs" / "en" / "week03" / "03-1.md"
    for path in (ics, note, folder / "scribe" / "pr" / "03-1.md"):
        assert _mode(path) == 0o644, path
