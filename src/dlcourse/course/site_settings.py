"""The ``[site]`` table of course.toml: how the website is built. Owned by the site part."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from dlcourse.course.errors import ConfigValueError
from dlcourse.course.notes_settings import Strict

#: What a base URL's path may hold: a URL path's characters; no quotes, spaces, '<' or controls.
_URL_PATH = re.compile(r"/[A-Za-z0-9._~!$&()*+,;=:@%/-]*")
_BASE_HINT = "write the path the site is served under, e.g. '/' or '/dlsp20/'"


class SiteSettings(Strict):
    base_url: str = Field("/", description="URL path the site is served under, e.g. '/dlsp20/'.")
    absolute_base_url: bool = Field(
        False,
        description="Allow base_url to be an absolute https:// URL, named in sitemap.xml and "
        "robots.txt; pages still link to each other and load their scripts and styles by path, "
        "from the host that served them.",
    )
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
    def _base_url_shape(cls, value: str) -> str:
        # '//evil.example/' is a path to a browser's eye only until it reads it as "same scheme,
        # another host": every page would then load its script from there
        if value.startswith("//"):
            raise ConfigValueError(f"{value!r} names another host: base_url is a path", _BASE_HINT)
        parts = urlsplit(value)
        path = value
        if parts.scheme:
            if parts.scheme != "https" or not parts.netloc:
                raise ConfigValueError(
                    f"{value!r} is neither a path nor an https:// address", _BASE_HINT
                )
            path = parts.path or "/"
        if not path.startswith("/"):
            raise ConfigValueError("base_url is a path that starts with '/'", _BASE_HINT)
        if not _URL_PATH.fullmatch(path) or "//" in path or parts.query or parts.fragment:
            raise ConfigValueError(f"{value!r} is not a URL path", _BASE_HINT)
        return value if value.endswith("/") else value + "/"

    @model_validator(mode="after")
    def _absolute_needs_opt_in(self) -> SiteSettings:
        if urlsplit(self.base_url).scheme and not self.absolute_base_url:
            raise ConfigValueError(
                f"{self.base_url!r} is an absolute address, not a path",
                "write a path such as '/dlsp20/', or set absolute_base_url = true to name the "
                "host in sitemap.xml",
                "base_url",
            )
        return self

    @property
    def base_path(self) -> str:
        """The path the site is served under: what its pages link and load by. An absolute
        ``base_url`` (opted in) gives its path; only the sitemap names the host."""
        return urlsplit(self.base_url).path or "/"
