"""FIG and LINK: images and local links point to files that exist, images have alt text, and
no symbolic link under the notes leads out of the course."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from dlcourse.course.layout import LINK_HINT
from dlcourse.notes.findings import Edit, Hit
from dlcourse.notes.rules.base import rule
from dlcourse.notes.rules.editor import _is_page_link, out_of_course


def _case_match(ctx, path: Path) -> str | None:
    """The real name of ``path`` when only the letter case differs."""
    names = ctx.listing(path.parent)
    if not names:
        return None
    lower = path.name.lower()
    return next((name for name in sorted(names) if name.lower() == lower), None)


@rule("FIG001", "figure-missing", "error", ("figures",), fixable=True)
def figure_missing(doc, ctx, params) -> Iterator[Hit]:
    """Every image file exists, with exactly this name (case-sensitive: '.PNG' is not '.png').
    The site is served from a case-sensitive file system. --fix corrects the extension's case
    when that is the only difference. An image out of the course folder is never published."""
    for figure in doc.figures:
        path = figure.path
        if path is None:
            if not figure.src.strip():
                yield Hit(figure.line, "image without a source", figure.column, 'add src="…"')
            continue
        if ctx.outside_course(path):
            yield out_of_course(figure, f"image {figure.src!r}")
            continue
        if ctx.exists_exactly(path):
            continue
        real = _case_match(ctx, path)
        if real is not None:
            old, new = path.name, real
            fix: tuple[Edit, ...] = ()
            if Path(old).stem == Path(new).stem:
                fix = (Edit(figure.line, old, new),)
            yield Hit(
                figure.line,
                f"image {figure.src!r} differs in case from the file {real!r}",
                figure.column,
                f"write {real!r}",
                fix=fix,
                key=f"case:{path}",
            )
        else:
            yield Hit(
                figure.line,
                f"image {figure.src!r} does not exist",
                figure.column,
                "add the file under docs/images/weekNN/NN-K/ or fix the path",
                key=f"missing:{path}",
            )


@rule("FIG002", "figure-alt", "warning", ("figures", "accessibility"))
def figure_alt(doc, ctx, params) -> Iterator[Hit]:
    """Every image has alt text (what a screen reader says, shown if the image fails)."""
    for figure in doc.figures:
        if not (figure.alt or "").strip():
            yield Hit(
                figure.line,
                f"image {figure.src!r} has no alt text",
                figure.column,
                'describe the image: ![what it shows](…) or alt="…"',
                key=str(figure.path or figure.src),
            )


@rule("LINK001", "link-target", "error", ("links",))
def link_target(doc, ctx, params) -> Iterator[Hit]:
    """A link to a local file (not a page: see ED004) points to a file that exists, inside the
    course folder (a path that leaves it is reported without looking whether it exists)."""
    for link in doc.links:
        if link.path is None or _is_page_link(link, ctx):
            continue
        if ctx.outside_course(link.path):
            yield out_of_course(link, f"link {link.href!r}")
        elif not ctx.exists_exactly(link.path):
            real = _case_match(ctx, link.path)
            hint = f"the file is {real!r}" if real else "fix the path or add the file"
            yield Hit(
                link.line,
                f"link {link.href!r} points to a missing file",
                link.column,
                hint,
                key=f"link:{link.href}",
            )


@rule("LINK002", "symlink-outside-course", "error", ("links", "security"), scope="course")
def symlink_outside_course(docs, ctx, params) -> Iterator[Hit]:
    """A symbolic link under the notes leads to a file or folder inside the course.
    A link out of the course folder, to nothing, or round a loop is never followed by the
    site or the checker (its target would be published: a note or an image linked to
    /etc/passwd or to a folder of secrets), so the page or image it stands for is missing;
    each is reported at line 1 of the link. Nothing is read through the link, and a link out
    of the course is reported the same whether or not its target exists (the finding must not
    tell a pull request what exists on the machine that checks it)."""
    for link in ctx.unfollowed_links:
        yield Hit(
            1,
            link.message,
            1,
            LINK_HINT,
            path=os.path.relpath(link.path, ctx.docs_dir),
        )
