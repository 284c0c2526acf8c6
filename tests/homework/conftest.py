from __future__ import annotations

import pytest

from dlcourse.homework.sandbox import sandbox_problem


@pytest.fixture(scope="session")
def sandbox_ready() -> None:
    """Sandboxed runs need bubblewrap (scripts/test installs it as root); skip where absent."""
    problem = sandbox_problem()
    if problem:
        pytest.skip(problem)
