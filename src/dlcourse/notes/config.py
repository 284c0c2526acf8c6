"""``[notes.rules]`` of course.toml resolved against the catalogue: enabled, severity, params.

Keys are rule IDs or aliases; values are tables ``{ enabled = false }``,
``{ severity = "error" }`` or parameters, e.g. ``[notes.rules.LEN001] tolerance = 0.3``.
A key that names no rule, an unknown parameter or a bad value is a configuration error that
names course.toml and its line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dlcourse.course import Course
from dlcourse.course.errors import CourseError, CourseIssue
from dlcourse.notes.findings import SEVERITIES, Severity
from dlcourse.notes.rules import RULES, Rule

_RESERVED = ("enabled", "severity")
#: The rule that reports a note too large to parse: it stays on (a note it reports is otherwise
#: skipped in silence); ``[notes] max_note_bytes`` is the setting that lets larger notes in.
NOTE_SIZE_RULE = "ENC005"


@dataclass(frozen=True)
class RuleSetting:
    rule: Rule
    enabled: bool
    severity: Severity
    params: dict[str, Any]


def _issue(course: Course, keys: tuple[str, ...], message: str, hint: str = "") -> CourseIssue:
    line = None
    try:
        line = course.locate(*keys)
    except Exception:
        line = None
    file = course.root / "course.toml" if getattr(course, "root", None) else "course.toml"
    return CourseIssue(file, line, ".".join(keys), message, hint)


def _type_ok(default: Any, value: Any) -> bool:
    if default is None:
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, bool):
        return isinstance(value, bool)
    if isinstance(default, int | float):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if isinstance(default, list):
        return isinstance(value, list)
    return isinstance(value, type(default))


def default_setting(rule_id: str) -> RuleSetting:
    """A rule as the catalogue defines it: on, its own severity and parameter defaults."""
    rule = RULES[rule_id]
    params = {name: param.default for name, param in rule.params.items()}
    return RuleSetting(rule, True, rule.severity, params)


def resolve_rules(course: Course, select: list[str] | None = None) -> dict[str, RuleSetting]:
    """Settings of every rule (by ID); raises :class:`CourseError` for a bad configuration."""
    by_name = {rule.id: rule for rule in RULES.values()}
    by_name.update({rule.alias: rule for rule in RULES.values()})
    configured = dict(course.notes.rules) if course is not None else {}
    issues: list[CourseIssue] = []
    overrides: dict[str, dict[str, Any]] = {}
    for key, value in configured.items():
        rule = by_name.get(key)
        where = ("notes", "rules", key)
        if rule is None:
            import difflib

            guess = difflib.get_close_matches(key, list(by_name), 1, 0.6)
            issues.append(
                _issue(
                    course,
                    where,
                    f"unknown rule {key!r}",
                    f"did you mean {guess[0]!r}?"
                    if guess
                    else "'dlcourse notes rules' lists the rules",
                )
            )
            continue
        if not isinstance(value, dict):
            issues.append(
                _issue(
                    course,
                    where,
                    "rule settings must be a table",
                    'e.g. { enabled = false } or { severity = "error" }',
                )
            )
            continue
        for name, setting in value.items():
            if name == "enabled" and not isinstance(setting, bool):
                issues.append(_issue(course, (*where, name), "enabled must be true or false"))
            elif name == "enabled" and rule.id == NOTE_SIZE_RULE and setting is False:
                issues.append(
                    _issue(
                        course,
                        (*where, name),
                        f"{rule.id} cannot be turned off: a note it reports is not checked at all",
                        "to check larger notes, raise max_note_bytes under [notes]",
                    )
                )
            elif name == "severity" and setting not in SEVERITIES:
                issues.append(
                    _issue(
                        course,
                        (*where, name),
                        f"bad severity {setting!r}",
                        "use one of " + ", ".join(SEVERITIES),
                    )
                )
            elif name not in _RESERVED and name not in rule.params:
                known = ", ".join(rule.params) or "none"
                issues.append(
                    _issue(
                        course,
                        (*where, name),
                        f"rule {rule.id} has no parameter {name!r}",
                        f"its parameters: {known}",
                    )
                )
            elif name in rule.params and not _type_ok(rule.params[name].default, setting):
                issues.append(
                    _issue(course, (*where, name), f"bad value {setting!r} for {rule.id}.{name}")
                )
        overrides.setdefault(rule.id, {}).update(value)
    if issues:
        raise CourseError(issues)
    settings = {}
    for rule in RULES.values():
        override = overrides.get(rule.id, {})
        params = {name: override.get(name, param.default) for name, param in rule.params.items()}
        enabled = override.get("enabled", True)
        if select is not None:
            enabled = (
                rule.id in select
                or rule.alias in select
                or any(tag in select for tag in rule.tags)
                or rule.id.rstrip("0123456789") in select
            )
        settings[rule.id] = RuleSetting(
            rule, enabled, override.get("severity", rule.severity), params
        )
    return settings
