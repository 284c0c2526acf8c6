"""``lab run --out`` (and the other lab outputs) pointed where no folder can be: a clear error
with exit code 2 before any training starts, no traceback, and nothing overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.security.budget import Budget, dlcourse

#: Refusing the path happens before torch is imported: a second or two, never a training run.
REFUSAL = Budget(cpu_s=6, memory_mib=1024, wall_s=60)


def bad_outputs(folder: Path) -> dict[str, tuple[Path, str]]:
    existing = folder / "notes.txt"
    existing.write_text("keep me\n", encoding="utf-8")
    return {
        "an existing file": (existing, "it exists and is not a folder"),
        "a folder under a file": (existing / "run", "a part of it is a file, not a folder"),
        "a 300-character name": (folder / ("x" * 300), "longer than the file system allows"),
        "a device": (Path("/dev/null"), "it exists and is not a folder"),
    }


@pytest.mark.parametrize(
    "case", ["an existing file", "a folder under a file", "a 300-character name", "a device"]
)
@pytest.mark.slow
def test_lab_run_out_that_cannot_be_a_folder_is_a_clear_error(tmp_path: Path, case: str) -> None:
    out, reason = bad_outputs(tmp_path)[case]
    outcome = dlcourse("lab", "run", "logic-neurons", "--out", out, cwd=tmp_path, budget=REFUSAL)
    assert outcome.killed_for is None, outcome.describe()
    assert outcome.returncode == 2, outcome.describe()
    assert "Traceback" not in outcome.output, outcome.describe()
    assert reason in " ".join(outcome.output.split()), outcome.describe()
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me\n"
    assert not (tmp_path / "runs").exists()


@pytest.mark.parametrize("command", ["notebook", "slurm"])
@pytest.mark.slow
def test_lab_files_written_where_no_file_can_be_are_clear_errors(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "notes.txt").write_text("keep me\n", encoding="utf-8")
    for out, reason in (
        (tmp_path, "it is a folder; name a file"),
        (tmp_path / "notes.txt" / "x.out", "not a folder"),
        (tmp_path / ("y" * 300), "longer than the file system allows"),
    ):
        outcome = dlcourse("lab", command, "logic-neurons", "--out", out, cwd=tmp_path)
        assert outcome.returncode == 2, outcome.describe()
        assert "Traceback" not in outcome.output, outcome.describe()
        assert reason in " ".join(outcome.output.split()), outcome.describe()
    assert (tmp_path / "notes.txt").read_text(encoding="utf-8") == "keep me\n"
