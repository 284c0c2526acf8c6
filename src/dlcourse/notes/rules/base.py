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

    def help_uri(self, docs_url: str | None) -> str | None:
        """The rule's page under the course's ``[notes] rules_docs_url``: a template with
        ``{id}``, or a folder URL to which ``ID.md`` is added; None when none is configured."""
        if not docs_url:
            return None
        if "{id}" in docs_url:
            return docs_url.replace("{id}", self.id)
        return docs_url.rstrip("/") + f"/{self.id}.md"

    @property
    def help_text(self) -> str:
        """What ``docs/rules/ID.md`` says, as plain text (SARIF ``help.text``)."""
        lines = [f"{self.id} ({self.alias}): {self.summary}"]
        if self.description:
            lines.append(self.description)
        lines.append(
            f"Default severity: {self.severity}. Fixable with --fix: "
            f"{'yes' if self.fixable else 'no'}."
        )
        for name, param in self.params.items():
            lines.append(f"Parameter {name} (default {param.default!r}): {param.description}.")
        lines.append(
            f"Configure in course.toml under [notes.rules.{self.id}]; silence one finding with "
            f"<!-- dlcourse-disable-next-line {self.id} -->."
        )
        return "\n".join(lines)


def is_translation(doc: Any, ctx: Any) -> bool:
    """A note in a language folder other than the source language's."""
    return doc.language is not None and doc.language != ctx.source_language


def rule(
    id: str,
    alias: str,
    severity: Severity,
    tags: tuple[str, ...],
    params: dict[str, Param] | None = None,
    fixable: bool = False,
    scope: Scope = "note",
) -> Callable[[Callable[..., Iterable[Hit]]], Callable[..., Iterable[Hit]]]:
    """Describe a rule: its metadata is attached to the function (``fn.rule``); the catalogue
    (``dlcourse.notes.rules.RULES``) lists the rules, in order, by name. The function's
    docstring: first line the summary, the rest the description shown by ``dlcourse notes
    rules`` and the docs page."""

    def describe(fn: Callable[..., Iterable[Hit]]) -> Callable[..., Iterable[Hit]]:
        doc = (fn.__doc__ or "").strip().splitlines()
        summary = doc[0].strip() if doc else alias
        description = " ".join(line.strip() for line in doc[1:]).strip()
        fn.rule = Rule(  # type: ignore[attr-defined]
            id, alias, severity, summary, description, tags, params or {}, fixable, scope, fn
        )
        return fn

    return describe


def catalogue(functions: Iterable[Callable[..., Iterable[Hit]]]) -> dict[str, Rule]:
    """The rules of ``functions`` (each made by :func:`rule`), by ID, in the order given."""
    rules: dict[str, Rule] = {}
    for fn in functions:
        described = getattr(fn, "rule", None)
        if not isinstance(described, Rule):
            raise TypeError(f"{fn.__qualname__} is not a rule (decorate it with @rule)")
        if described.id in rules:
            raise ValueError(f"rule {described.id} listed twice")
        rules[described.id] = described
    return rules
