"""The ``[notes]`` table of course.toml: where the notes live, their languages, maths macros and
the checker's rule configuration. Owned by the notes part; validated with the rest of the course."""

from __future__ import annotations

import re
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from dlcourse.course.layout import LANGUAGE_FOLDER
from dlcourse.course.paths import check_relative_path

_MACRO_NAME = re.compile(r"^[A-Za-z]+$")


def check_docs_url(value: str) -> str:
    """An absolute http(s) URL with a host (raises ValueError otherwise)."""
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in value:
        raise ValueError(f"{value!r} is not an absolute http(s) URL, e.g. 'https://host/rules/'")
    return value


class Strict(BaseModel):
    """Base for every course table: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Language(Strict):
    code: str = Field(description="Folder name of the language under docs/, e.g. 'en', 'zh', 'ar'.")
    name: str = Field(description="The language's own name, shown in the language switcher.")
    direction: Literal["ltr", "rtl"] = "ltr"

    @field_validator("code")
    @classmethod
    def _code_shape(cls, value: str) -> str:
        if not LANGUAGE_FOLDER.match(value):  # the code names its folder under docs/
            raise ValueError("a language code is 2–3 lower-case letters, optionally '-REGION'")
        return value


class NotesSettings(Strict):
    docs_dir: str = Field("docs", description="Folder of the notes, relative to the course folder.")
    source_language: str = "en"
    languages: list[Language] = Field(default_factory=lambda: [Language(code="en", name="English")])
    macros: dict[str, str] = Field(
        default_factory=dict,
        description="Course maths macros: name (no backslash) → body using #1, #2 … for arguments.",
    )
    max_note_bytes: int = Field(
        1_048_576,
        ge=1024,
        le=64 * 1_048_576,
        description="The largest note checked or built, in bytes (the 2020 notes' largest is "
        "44 KB). A larger note is not parsed: the checker and the build report it (ENC005).",
    )
    contents_file: str | None = Field(
        None, description="Optional Jekyll-style contents list (e.g. '_config.yml') to check."
    )
    rules_docs_url: str | None = Field(
        None,
        description="Where the rule pages are published (absolute http(s) URL): a template with "
        "'{id}' or a folder to which 'ID.md' is added; gives SARIF's helpUri. Default: none.",
    )
    rules: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Per-rule settings keyed by rule ID or alias: enabled, severity, parameters.",
    )

    @field_validator("docs_dir", "contents_file")
    @classmethod
    def _relative_path(cls, value: str | None) -> str | None:
        return None if value is None else check_relative_path(value)

    @field_validator("rules_docs_url")
    @classmethod
    def _absolute_url(cls, value: str | None) -> str | None:
        if value is not None:
            check_docs_url(value)
        return value

    @field_validator("macros")
    @classmethod
    def _macro_names(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _MACRO_NAME.match(name):
                raise ValueError(f"macro name {name!r} must be letters only, without the backslash")
        return value

    @model_validator(mode="after")
    def _source_language_listed(self) -> NotesSettings:
        codes = [language.code for language in self.languages]
        if len(set(codes)) != len(codes):
            raise ValueError(f"languages list a code twice: {codes}")
        if self.source_language not in codes:
            raise ValueError(
                f"source_language {self.source_language!r} is not in languages {codes}"
            )
        return self

    def language(self, code: str) -> Language | None:
        return next((language for language in self.languages if language.code == code), None)
