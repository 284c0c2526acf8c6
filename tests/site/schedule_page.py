"""Reading a built schedule page: where each day off is shown (shared by the site and qa tests)."""

from __future__ import annotations

import re

_SECTION = re.compile(
    r'<section class="(week|week-off)"(?: id="week-(\d+)")?>(.*?)</section>', re.S
)


def schedule_sections(html: str) -> list[tuple[str, str]]:
    """The page's sections in order, as ``("week 4", body)`` or ``("off", body)``."""
    return [
        (f"week {number}" if kind == "week" else "off", body)
        for kind, number, body in _SECTION.findall(html)
    ]


def where_shown(html: str, reason: str) -> list[str]:
    """The sections that show the day off ``reason`` (its text), in page order, and ``"after"``
    for each time it appears after the last section (a list at the bottom of the page)."""
    places = [name for name, body in schedule_sections(html) if reason in body]
    tail = html.rsplit("</section>", 1)[-1]
    return places + ["after"] * tail.count(reason)
