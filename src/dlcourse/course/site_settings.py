"""The ``[site]`` table of course.toml: how the website is built. Owned by the site part."""

from __future__ import annotations

from pydantic import Field, field_validator

from dlcourse.course.notes_settings import Strict


class SiteSettings(Strict):
    base_url: str = Field("/", description="URL path the site is served under, e.g. '/dlsp20/'.")
    output_dir: str = Field("_site", description="Build output folder, relative to the course.")
    embed_videos: bool = Field(
        True, description="Offer a 'play here' button per video section (loads YouTube on click)."
    )
    search: bool = Field(True, description="Build the offline search index (needs Pagefind).")
    titles: dict[str, str] = Field(
        default_factory=dict, description="Site title per language code (default: course title)."
    )

    @field_validator("base_url")
    @classmethod
    def _slashes(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("base_url is a path that starts with '/', e.g. '/' or '/dlsp20/'")
        return value if value.endswith("/") else value + "/"
