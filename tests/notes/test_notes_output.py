"""Output formats and the CLI options around them: SARIF 2.1.0, --docs-url, --contents, cache."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from dlcourse.course import load_course
from dlcourse.notes.check import check_course
from dlcourse.notes.output import to_sarif

from .conftest import RULE_FIXTURES, overlay
from .test_notes_cli import run

runner = CliRunner()

# The parts of the official SARIF 2.1.0 schema (oasis-tcs/sarif-spec,
# Schemata/sarif-schema-2.1.0.json) that describe what we emit, transcribed by hand: the
# official file could not be fetched offline. Objects are closed (additionalProperties false)
# exactly as in the official schema, so a misspelt or invented property fails here.
_MESSAGE = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"text": {"type": "string"}, "markdown": {"type": "string"}},
    "required": ["text"],
}
SARIF_SUBSET = {
    "$schema": "http://json-schema.org/draft-07/schema#",
    "type": "object",
    "additionalProperties": False,
    "required": ["version", "runs"],
    "properties": {
        "$schema": {"type": "string", "format": "uri"},
        "version": {"enum": ["2.1.0"]},
        "runs": {"type": "array", "items": {"$ref": "#/definitions/run"}},
    },
    "definitions": {
        "multiformatMessageString": _MESSAGE,
        "message": _MESSAGE,
        "propertyBag": {"type": "object"},
        "run": {
            "type": "object",
            "additionalProperties": False,
            "required": ["tool"],
            "properties": {
                "tool": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["driver"],
                    "properties": {"driver": {"$ref": "#/definitions/toolComponent"}},
                },
                "results": {"type": "array", "items": {"$ref": "#/definitions/result"}},
            },
        },
        "toolComponent": {
            "type": "object",
            "additionalProperties": False,
            "required": ["name"],
            "properties": {
                "name": {"type": "string"},
                "version": {"type": "string"},
                "informationUri": {"type": "string", "format": "uri"},
                "rules": {
                    "type": "array",
                    "uniqueItems": True,
                    "items": {"$ref": "#/definitions/reportingDescriptor"},
                },
            },
        },
        "reportingDescriptor": {
            "type": "object",
            "additionalProperties": False,
            "required": ["id"],
            "properties": {
                "id": {"type": "string"},
                "name": {"type": "string"},
                "shortDescription": {"$ref": "#/definitions/multiformatMessageString"},
                "fullDescription": {"$ref": "#/definitions/multiformatMessageString"},
                "help": {"$ref": "#/definitions/multiformatMessageString"},
                "helpUri": {"type": "string", "format": "uri"},
                "defaultConfiguration": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "enabled": {"type": "boolean"},
                        "level": {"enum": ["none", "note", "warning", "error"]},
                        "rank": {"type": "number", "minimum": -1.0, "maximum": 100.0},
                        "parameters": {"$ref": "#/definitions/propertyBag"},
                        "properties": {"$ref": "#/definitions/propertyBag"},
                    },
                },
                "properties": {"$ref": "#/definitions/propertyBag"},
            },
        },
        "result": {
            "type": "object",
            "additionalProperties": False,
            "required": ["message"],
            "properties": {
                "ruleId": {"type": "string"},
                "ruleIndex": {"type": "integer", "minimum": -1},
                "level": {"enum": ["none", "note", "warning", "error"]},
                "message": {"$ref": "#/definitions/message"},
                "locations": {"type": "array", "items": {"$ref": "#/definitions/location"}},
            },
        },
        "location": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "physicalLocation": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "artifactLocation": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {"uri": {"type": "string", "format": "uri-reference"}},
                        },
                        "region": {
                            "type": "object",
                            "additionalProperties": False,
                            "properties": {
                                "startLine": {"type": "integer", "minimum": 1},
                                "startColumn": {"type": "integer", "minimum": 1},
                                "endLine": {"type": "integer", "minimum": 1},
                                "endColumn": {"type": "integer", "minimum": 1},
                            },
                        },
                    },
                }
            },
        },
    },
}


def _validate(log: dict) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    jsonschema.validate(log, SARIF_SUBSET, format_checker=jsonschema.FormatChecker())


def test_sarif_matches_the_schema_with_and_without_docs_url(course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / "FIG001" / "bad")
    report = check_course(load_course(course_copy))
    plain = json.loads(to_sarif(report))
    _validate(plain)
    rules = plain["runs"][0]["tool"]["driver"]["rules"]
    assert all("helpUri" not in rule for rule in rules)
    fig = next(rule for rule in rules if rule["id"] == "FIG001")
    assert "case-sensitive" in fig["fullDescription"]["text"]
    assert fig["help"]["text"].startswith("FIG001 (figure-missing)")
    linked = json.loads(to_sarif(report, "https://notes.example.org/rules/"))
    _validate(linked)
    uris = [rule["helpUri"] for rule in linked["runs"][0]["tool"]["driver"]["rules"]]
    assert "https://notes.example.org/rules/FIG001.md" in uris
    templated = json.loads(to_sarif(report, "https://h.example/r/{id}.html"))
    assert templated["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"].endswith(".html")


def test_rules_docs_url_from_course_toml_and_cli(course_copy: Path):
    overlay(course_copy, RULE_FIXTURES / "FIG001" / "bad")
    toml = course_copy / "course.toml"
    text = toml.read_text()
    assert "[notes]" in text
    toml.write_text(
        text.replace("[notes]", '[notes]\nrules_docs_url = "https://course.example/rules/"', 1)
    )
    sarif = json.loads(run("check", "--course", str(course_copy), "-f", "sarif").output)
    rule = sarif["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == f"https://course.example/rules/{rule['id']}.md"
    other = run(
        "check", "--course", str(course_copy), "-f", "sarif", "--docs-url", "https://o.example/{id}"
    )
    rule = json.loads(other.output)["runs"][0]["tool"]["driver"]["rules"][0]
    assert rule["helpUri"] == f"https://o.example/{rule['id']}"
    assert run("check", "--course", str(course_copy), "--docs-url", "docs/rules").exit_code == 2
    toml.write_text(text.replace("[notes]", '[notes]\nrules_docs_url = "docs/rules/"', 1))
    result = run("check", "--course", str(course_copy))
    assert result.exit_code == 2 and "rules_docs_url" in result.output


def test_contents_option_checks_the_given_file(course_copy: Path, tmp_path: Path):
    config = RULE_FIXTURES / "TOC002" / "bad" / "_config.yml"
    copy = tmp_path / "contents.yml"
    shutil.copyfile(config, copy)
    result = run("check", "--course", str(course_copy), "--contents", str(copy), "-f", "json")
    data = json.loads(result.output)
    found = [f for f in data["findings"] if f["rule"] == "TOC002"]
    assert found and all(f["path"].endswith("contents.yml") for f in found)
    assert result.exit_code == 1
    clean = run("check", "--course", str(course_copy), "-f", "json")
    assert not [f for f in json.loads(clean.output)["findings"] if f["rule"].startswith("TOC")]
    missing = run("check", "--course", str(course_copy), "--contents", str(tmp_path / "no.yml"))
    assert missing.exit_code == 2


def test_contents_file_that_is_not_yaml_is_reported_at_its_line(course_copy: Path, tmp_path):
    bad = tmp_path / "_config.yml"
    bad.write_text("chapters:\n  - path: en/week01/01.md\n    title: Intro: part A\n")
    report = check_course(load_course(course_copy), contents_file=bad)
    found = report.by_rule("TOC002")
    assert [f.line for f in found] == [3] and "not valid YAML" in found[0].message


def test_result_cache_reuses_unchanged_notes(course_copy: Path, tmp_path: Path):
    course = load_course(course_copy)
    cache = tmp_path / "cache"
    first = check_course(course, cache_dir=cache, jobs=1)
    assert first.cached == 0 and (cache / "notes-check").is_dir()
    second = check_course(course, cache_dir=cache, jobs=1)
    assert second.cached == len(second.files) and second.findings == first.findings
    # an edited note is checked again (and the notes that link to it); the rest is cached
    note = course_copy / "docs/en/week01/01-1.md"
    note.write_text(note.read_text().replace("$$", "$$\\partiel", 1))
    third = check_course(course, cache_dir=cache, jobs=1)
    assert len(third.files) - 3 <= third.cached < len(third.files)
    assert third.by_rule("MATH003")
    # a deleted image invalidates the notes that show it (their folder's time changes)
    overlay(course_copy, RULE_FIXTURES / "FIG001" / "good")
    check_course(course, cache_dir=cache, jobs=1)
    image = next((course_copy / "docs/images").rglob("*.png"))
    image.unlink()
    after = check_course(course, cache_dir=cache, jobs=1)
    fresh = check_course(course, jobs=1)
    assert after.findings == fresh.findings


def test_cli_cache_folder_and_no_cache(course_copy: Path, tmp_path: Path):
    cache = tmp_path / "c"
    assert run("check", "--course", str(course_copy), "--cache-dir", str(cache)).exit_code == 0
    assert list((cache / "notes-check").glob("*.pickle"))
    assert run("check", "--course", str(course_copy), "--no-cache").exit_code == 0
    assert not (course_copy / ".dlcourse-cache").exists()
    assert run("check", "--course", str(course_copy)).exit_code == 0
    assert (course_copy / ".dlcourse-cache" / ".gitignore").is_file()


@pytest.mark.slow
def test_parallel_and_serial_agree(corpus_dir: Path, example_course, tmp_path: Path):
    serial = check_course(example_course, [corpus_dir], jobs=1)
    parallel = check_course(example_course, [corpus_dir], jobs=2)
    assert serial.findings == parallel.findings
    cached = check_course(example_course, [corpus_dir], jobs=2, cache_dir=tmp_path)
    again = check_course(example_course, [corpus_dir], jobs=2, cache_dir=tmp_path)
    assert cached.findings == again.findings == serial.findings and again.cached
