"""Atomic file writes (a reader sees the old file or the new one, never half of one), and safe
file names for files named after user data."""

from __future__ import annotations

import ctypes
import errno
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import unicodedata
from pathlib import Path


def _umask() -> int:
    """The process umask, read without changing it where Linux allows (threads may be writing)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _mode_for(path: Path) -> int:
    """Keep the mode of the file being replaced; a new file gets what ``open`` would give it
    (``mkstemp`` alone makes it 0600, unreadable for a web server or a colleague)."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return 0o666 & ~_umask()


def atomic_write_bytes(path: Path, data: bytes, mode: int | None = None) -> None:
    """Write ``data`` to ``path`` atomically; ``mode`` (e.g. 0o600 for grades) is the file's mode
    whatever it was before, else a replaced file keeps its mode and a new one gets the umask's."""
    path = Path(path)
    if _is_special_file(path):  # -o /dev/null, /dev/stdout, a FIFO: write through it
        with open(path, "wb") as stream:
            stream.write(data)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(path) if mode is None else mode
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(handle, mode)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _is_special_file(path: Path) -> bool:
    """A device, FIFO or socket (links followed). Renaming a temporary file over one would
    replace the device node itself: ``-o /dev/null`` run as root turned /dev/null into a file."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def atomic_write_text(
    path: Path, text: str, encoding: str = "utf-8", mode: int | None = None
) -> None:
    atomic_write_bytes(path, text.encode(encoding), mode)


_UNSAFE_NAME_RUN = re.compile(r"[^A-Za-z0-9._-]+")
MAX_NAME_LENGTH = 100


def safe_file_name(text: str, suffix: str = "") -> str:
    """A file name made from user data (an e-mail, a name, a code): ASCII letters, digits,
    '.', '_' and '-' only, no leading dot or dash, at most :data:`MAX_NAME_LENGTH` characters
    before ``suffix``. ``/abs/path/x@y.com`` and ``../../x`` become plain names in one folder.
    Different texts can give the same name: callers that write one file per text check that."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = _UNSAFE_NAME_RUN.sub("-", ascii_text).strip(".-")[:MAX_NAME_LENGTH].strip(".-")
    return (slug or "unnamed") + suffix


def child_path(folder: Path, name: str) -> Path:
    """``folder / name`` for a ``name`` that must stay a single entry of ``folder`` (no
    separator, not '.' or '..'); raises ValueError otherwise. The last line of defence for
    file names built from user data, after :func:`safe_file_name`."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name:
        raise ValueError(f"{name!r} is not a plain file name")
    path = Path(folder) / name
    if path.parent != Path(folder):
        raise ValueError(f"{name!r} leaves the folder {folder}")
    return path


class OutputPathError(ValueError):
    """An output path that cannot be used, said for a person: which path, why, what to do."""


def describe_os_error(path: Path, error: OSError) -> str:
    """``OSError`` on ``path`` as a sentence that names the path and what to do about it."""
    reasons = {
        errno.ENAMETOOLONG: "a name in it is longer than the file system allows (255 bytes); "
        "choose a shorter name",
        errno.ENOTDIR: "a part of it is a file, not a folder; choose another path",
        errno.EEXIST: "it exists and is not a folder; choose another path",
        errno.EISDIR: "it is a folder; name a file",
        errno.EACCES: "permission denied; choose a folder you can write to",
        errno.EPERM: "not permitted; choose a folder you can write to",
        errno.EROFS: "the file system is read-only; choose another place",
        errno.ENOSPC: "the disk is full",
    }
    reason = reasons.get(error.errno or 0, error.strerror or str(error))
    return f"{path}: {reason}"


def check_output_file(path: Path) -> Path:
    """Refuse now, without writing anything, an output file ``path`` that could not be written
    later — a folder, a path under a file, a name too long, a folder without write permission —
    so that no work is done (a lab imported, a notebook built) only to fail at the end. Raises
    :class:`OutputPathError`; the final write still reports what only it can find (disk full)."""
    path = Path(path)

    def refuse(code: int) -> OutputPathError:
        return OutputPathError(describe_os_error(path, OSError(code, os.strerror(code))))

    if any(len(os.fsencode(part)) > 255 for part in path.parts):
        raise refuse(errno.ENAMETOOLONG)
    if path.is_dir():
        raise refuse(errno.EISDIR)
    existing = path.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise refuse(errno.ENOTDIR)
    writable = os.access(path, os.W_OK) if path.exists() else os.access(existing, os.W_OK)
    if not writable:
        raise refuse(errno.EACCES)
    return path


def ensure_output_folder(path: Path) -> Path:
    """Create the output folder ``path`` (and its parents) now, before any work that would be
    lost if it failed later; raises :class:`OutputPathError` when ``path`` is a file, a
    device, lies under a file, has a name too long or cannot be written."""
    path = Path(path)
    try:
        if path.exists() and not path.is_dir():
            raise OutputPathError(f"{path}: it exists and is not a folder; choose another path")
        path.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputPathError(describe_os_error(path, error)) from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise OutputPathError(f"{path}: cannot write in it; choose a folder you can write to")
    return path


_RENAME_EXCHANGE = 2  # <linux/fs.h>
_AT_FDCWD = -100


def exchange_paths(first: Path, second: Path) -> bool:
    """Swap two existing paths in one atomic step (Linux ``renameat2(RENAME_EXCHANGE)``), so
    that a reader of either path never finds it missing. False, with nothing changed, where the
    system or the file system cannot (the caller then renames in two steps)."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without it (glibc < 2.28, musl < 1.2.5)
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]  # fmt: skip
    renameat2.restype = ctypes.c_int
    done = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second),
                     _RENAME_EXCHANGE)  # fmt: skip
    return done == 0


def tracked_by_git(folder: Path) -> bool:
    """True when git tracks a file under ``folder``: it came with the repository, not from this
    machine's runs (False without git or outside a repository)."""
    git = shutil.which("git")
    if git is None or not folder.is_dir():
        return False
    try:
        listed = subprocess.run(
            [git, "-C", str(folder), "ls-files", "-z", "--", "."],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return listed.returncode == 0 and bool(listed.stdout)
