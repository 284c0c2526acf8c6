"""The build as the commands run it: where the output and the cache go by default. Nothing here
prints; ``dlcourse.cli`` shows the progress and the summary."""

from __future__ import annotations

from pathlib import Path

from dlcourse.course import Course
from dlcourse.site.builder import BuildOptions, default_cache_dir, default_out_dir


def options_for(course: Course, out: Path | None = None, **kwargs: object) -> BuildOptions:
    out_dir = (out or default_out_dir(course)).resolve()
    return BuildOptions(out_dir=out_dir, cache_dir=default_cache_dir(course, out_dir), **kwargs)  # type: ignore[arg-type]


def search_missing(options: BuildOptions) -> bool:
    """A search index was asked for but Pagefind is not installed (the site is built without)."""
    from dlcourse.site import search

    return options.search and not search.available()
