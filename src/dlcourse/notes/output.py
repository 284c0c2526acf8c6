"""Report formats: text, JSON, SARIF 2.1.0, GitHub workflow annotations. Separate from rules."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import groupby

from dlcourse import __version__
from dlcourse.notes.check import Report
from dlcourse.notes.findings import Finding
from dlcourse.notes.rules import RULES

_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}

#: Findings shown per rule per file in the text and GitHub outputs (``--max-per-rule``): a note
#: full of one mistake (a broken link pasted 80,000 times) would otherwise print a line each.
#: JSON and SARIF always keep every finding; machines read them.
DEFAULT_MAX_PER_RULE = 20


@dataclass(frozen=True)
class Omitted:
    """The findings of one rule in one file left out of a capped listing."""

    path: str
    rule: str
    count: int

    def text(self) -> str:
        return (
            f"… and {self.count:,} more {self.rule} finding{'s' if self.count != 1 else ''} "
            "in this file (--max-per-rule 0 shows all)"
        )


def capped(findings: Iterable[Finding], max_per_rule: int) -> Iterator[Finding | Omitted]:
    """The findings in their order, at most ``max_per_rule`` of each rule per file (0: all),
    each file's shown findings followed by one :class:`Omitted` per rule that had more."""
    for path, group in groupby(findings, key=lambda finding: finding.path):
        shown: Counter[str] = Counter()
        left_out: Counter[str] = Counter()
        for finding in group:
            if max_per_rule and shown[finding.rule] >= max_per_rule:
                left_out[finding.rule] += 1
                continue
            shown[finding.rule] += 1
            yield finding
        for rule, count in sorted(left_out.items()):
            yield Omitted(path, rule, count)


def text_lines(report: Report, max_per_rule: int = DEFAULT_MAX_PER_RULE) -> Iterable[str]:
    """``file:line:col  severity  RULE-ID  message  (hint)`` lines, at most ``max_per_rule``
    per rule per file (then one ``file: … and N more`` line), then a summary of them all."""
    for item in capped(report.findings, max_per_rule):
        if isinstance(item, Omitted):
            yield f"{item.path}: {item.text()}"
            continue
        hint = f"  ({item.hint})" if item.hint else ""
        yield (
            f"{item.path}:{item.line}:{item.column}  {item.severity}  "
            f"{item.rule}  {item.message}{hint}"
        )
    yield summary(report)


def summary(report: Report) -> str:
    # counts with thousands separators, as the "… and N more" lines of a capped output
    fixable = sum(1 for f in report.findings if f.fixable)
    extra = f", {fixable:,} fixable with --fix" if fixable else ""
    repeats = sum(report.inherited.values())
    if repeats:
        extra += (
            f"; {repeats:,} repeat(s) not shown (inherited from the source notes, reported there, "
            "or an image already reported)"
        )
    return (
        f"{len(report.files):,} file(s) checked: {report.errors:,} error(s), "
        f"{report.warnings:,} warning(s){extra}"
    )


def to_json(report: Report) -> str:
    return json.dumps(
        {
            "files": report.files,
            "errors": report.errors,
            "warnings": report.warnings,
            "inherited": dict(sorted(report.inherited.items())),
            "findings": [finding.to_dict() for finding in report.findings],
        },
        ensure_ascii=False,
        indent=2,
    )


def _sarif_rule(rule, docs_url: str | None) -> dict:
    descriptor = {
        "id": rule.id,
        "name": rule.alias,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.description or rule.summary},
        "help": {"text": rule.help_text},
        "defaultConfiguration": {"level": _SARIF_LEVEL[rule.severity]},
        "properties": {"tags": list(rule.tags), "fixable": rule.fixable},
    }
    uri = rule.help_uri(docs_url)
    if uri:
        descriptor["helpUri"] = uri
    return descriptor


def to_sarif(report: Report, docs_url: str | None = None) -> str:
    """SARIF 2.1.0 with the whole rule catalogue as ``tool.driver.rules``; ``helpUri`` only
    when the course says where its rule pages are (``docs_url``), ``help.text`` always."""
    rules = list(RULES.values())
    index = {rule.id: position for position, rule in enumerate(rules)}
    results = []
    for finding in report.findings:
        message = finding.message + (f" ({finding.hint})" if finding.hint else "")
        results.append(
            {
                "ruleId": finding.rule,
                "ruleIndex": index[finding.rule],
                "level": _SARIF_LEVEL[finding.severity],
                "message": {"text": message},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": {"uri": finding.path.replace("\\", "/")},
                            "region": {"startLine": finding.line, "startColumn": finding.column},
                        }
                    }
                ],
            }
        )
    log = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "dlcourse-notes",
                        "version": __version__,
                        "rules": [_sarif_rule(rule, docs_url) for rule in rules],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, ensure_ascii=False, indent=2)


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_lines(report: Report, max_per_rule: int = DEFAULT_MAX_PER_RULE) -> Iterable[str]:
    """``::error file=…,line=…,col=…,title=…::message`` workflow commands, capped like
    :func:`text_lines`; the ``… and N more`` line is plain log text, not an annotation."""
    command = {"error": "error", "warning": "warning", "info": "notice"}
    for finding in capped(report.findings, max_per_rule):
        if isinstance(finding, Omitted):
            yield f"{finding.path}: {finding.text()}"
            continue
        title = _escape_property(f"{finding.rule} {finding.alias}")
        message = finding.message + (f" ({finding.hint})" if finding.hint else "")
        yield (
            f"::{command[finding.severity]} file={_escape_property(finding.path)},"
            f"line={finding.line},col={finding.column},title={title}::{_escape_data(message)}"
        )


def format_report(
    report: Report,
    fmt: str,
    docs_url: str | None = None,
    max_per_rule: int = DEFAULT_MAX_PER_RULE,
) -> str:
    """The report in ``fmt``; ``max_per_rule`` caps the text and GitHub listings only."""
    if fmt == "json":
        return to_json(report)
    if fmt == "sarif":
        return to_sarif(report, docs_url)
    if fmt == "github":
        return "\n".join([*github_lines(report, max_per_rule), summary(report)])
    return "\n".join(text_lines(report, max_per_rule))
