"""An output file named on the command line may be a device: ``-o /dev/null`` or a link to it.
Files are written through a temporary file and a rename, and a rename over a device replaces
the device node itself — run as root (CI containers), ``dlcourse calendar -o /dev/null`` turned
the machine's /dev/null into a regular file. A device, FIFO or socket is written through
instead, and stays what it was. (In process: what is proven is the file system afterwards.)"""

from __future__ import annotations

import os
import stat

import pytest

from tests.security.budget import in_process
from tests.security.conftest import Sandbox


@pytest.mark.slow
def test_an_output_that_links_to_a_device_is_written_through(sandbox: Sandbox) -> None:
    link = sandbox.root / "out.ics"
    link.symlink_to(os.devnull)
    outcome = in_process("calendar", "-o", link, cwd=sandbox.course)
    assert outcome.returncode == 0, outcome.describe()
    assert link.is_symlink() and os.readlink(link) == os.devnull
    assert stat.S_ISCHR(os.stat(os.devnull).st_mode)


@pytest.mark.skipif(os.geteuid() != 0, reason="making a device node needs root")
@pytest.mark.slow
def test_an_output_that_is_a_device_stays_a_device(sandbox: Sandbox) -> None:
    device = sandbox.root / "null"
    null = os.stat(os.devnull).st_rdev
    os.mknod(device, 0o666 | stat.S_IFCHR, null)  # a /dev/null of the test's own
    outcome = in_process("calendar", "-o", device, cwd=sandbox.course)
    assert outcome.returncode == 0, outcome.describe()
    assert stat.S_ISCHR(device.lstat().st_mode) and device.lstat().st_rdev == null
