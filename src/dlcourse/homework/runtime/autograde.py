"""Marks for autograded tests: how many points a test is worth and who sees its output.

Shipped with every homework bundle so the public tests run under plain ``pytest`` on a
student's machine; the grading harness reads the same marks (from the source, without running
it) to score each test::

    from autograde import visibility, weight

    @weight(2)
    @visibility("after_due_date")
    def test_linear_backward(): ...

Visibility follows Gradescope: ``visible``, ``hidden``, ``after_due_date``, ``after_published``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def weight(points: float) -> Callable[[F], F]:
    """The test is worth ``points`` (default 1)."""

    def mark(function: F) -> F:
        function.__dict__["autograde_weight"] = float(points)
        return function

    return mark


def visibility(value: str) -> Callable[[F], F]:
    """Who sees the test's result and output in the feedback."""
    if value not in VISIBILITIES:
        raise ValueError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {value!r}")

    def mark(function: F) -> F:
        function.__dict__["autograde_visibility"] = value
        return function

    return mark
