"""The rule catalogue: each rule is a small function registered with its metadata.

A note rule is ``fn(doc, ctx, params) -> Iterable[Hit]`` and sees one parsed note; a course rule
is ``fn(docs, ctx, params) -> Iterable[Hit]`` and sees every checked note (slim copies, without
tokens) — translations, duplicates across a week, continuity between parts, the contents list.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

from dlcourse.notes.findings import Hit, Severity

Scope = Literal["note", "course"]
DOCS_URL = "https://github.com/Atcold/dlcourse/blob/main/docs/rules/{id}.md"


@dataclass(frozen=True)
class Param:
    default: Any
    description: str


@dataclass(frozen=True)
class Rule:
    id: str
    alias: str
    severity: Severity
    summary: str
    description: str
    tags: tuple[str, ...]
    params: dict[str, Param]
    fixable: bool
    scope: Scope
    fn: Callable[..., Iterable[Hit]] = field(repr=False)

    @property
    def help_uri(self) -> str:
        return DOCS_URL.format(id=self.id)


RULES: dict[str, Rule] = {}


def rule(
    id: str,
    alias: str,
    severity: Severity,
    tags: tuple[str, ...],
    params: dict[str, Param] | None = None,
    fixable: bool = False,
    scope: Scope = "note",
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Register a rule. The function's docstring: first line the summary, the rest the
    description shown by ``dlcourse notes rules`` and the docs page."""

    def register(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        doc = (fn.__doc__ or "").strip().splitlines()
        summary = doc[0].strip() if doc else alias
        description = " ".join(line.strip() for line in doc[1:]).strip()
        if id in RULES:
            raise ValueError(f"rule {id} registered twice")
        RULES[id] = Rule(
            id, alias, severity, summary, description, tags, params or {}, fixable, scope, fn
        )
        return fn

    return register
