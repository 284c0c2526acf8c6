"""TS: the writers' time stamps — every subsection starts at a time of its part's video."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from dlcourse.notes.document import Subsection
from dlcourse.notes.findings import Hit
from dlcourse.notes.rules.base import Param, is_translation, rule
from dlcourse.util.text import clock


def written_stamps(doc) -> list:
    """The note's stamped subsections and the stamps on lines that look like headings but are
    none (ED006 reports those lines), in line order: the stamps the writers wrote."""
    stamped = [sub for sub in doc.subsections if sub.start is not None]
    astray = [
        Subsection(h, h.line, 0) for h in doc.lookalikes if h.stamp and h.stamp.seconds is not None
    ]
    return sorted([*stamped, *astray], key=lambda item: item.line) if astray else stamped


def _timed(doc) -> bool:
    return doc.kind in ("lecture", "practicum")


@rule("TS001", "timestamp-missing", "error", ("timestamps", "writer"))
def timestamp_missing(doc, ctx, params) -> Iterator[Hit]:
    """A lecture or practicum note marks where each writer's subsection starts in the video.
    A subsection heading links the video at its start: ## [Title](https://www.youtube.com/watch?v=ID&t=SECONDSs).
    'dlcourse notes timestamps NOTE --write' proposes the links from the transcript."""
    if not _timed(doc):
        return
    if not doc.subsections:
        if any(lookalike.stamp is not None for lookalike in doc.lookalikes):
            return  # the stamps are there, on lines that are no headings: ED006 reports them
        line = doc.headings[0].line if doc.headings else max(1, doc.front_matter_end + 1)
        yield Hit(
            line,
            "no heading carries a video time stamp",
            1,
            "run 'dlcourse notes timestamps' to propose them from the transcript",
            key="no-stamps",
        )
        return
    for position, sub in enumerate(doc.subsections):
        if sub.start is None:
            yield Hit(
                sub.line,
                f"subsection {sub.title!r} links the video without a start time",
                sub.heading.stamp.column,
                "add '&t=SECONDSs' to the link",
                key=f"no-start:{position}",
            )


@rule("TS002", "timestamp-malformed", "error", ("timestamps", "writer", "translation"))
def timestamp_malformed(doc, ctx, params) -> Iterator[Hit]:
    """A time-stamp link is a well-formed Markdown link to a YouTube video.
    Catches full-width brackets, '] (', 'watch؟v=', '&amp;t=', bare URLs and bad video ids."""
    for heading in doc.headings:
        stamp = heading.stamp
        if stamp is None:
            continue
        problems = [p for p in stamp.problems if not p.startswith("no start time")]
        if problems:
            yield Hit(
                heading.line,
                "malformed time-stamp link: " + "; ".join(problems),
                stamp.column,
                "write ## [Title](https://www.youtube.com/watch?v=ID&t=123s)",
            )


@rule("TS003", "timestamp-order", "error", ("timestamps", "writer"))
def timestamp_order(doc, ctx, params) -> Iterator[Hit]:
    """Start times strictly increase through a note."""
    previous = None
    for sub in doc.subsections:
        if sub.start is None:
            continue
        if previous is not None and sub.start <= previous.start:
            word = "repeats" if sub.start == previous.start else "goes back before"
            yield Hit(
                sub.line,
                f"start {clock(sub.start)} {word} the previous subsection's "
                f"{clock(previous.start)} (line {previous.line})",
                sub.heading.stamp.column,
                "each subsection starts after the previous one",
                key=f"order:{previous.start}:{sub.start}",
            )
        previous = sub


@rule("TS004", "timestamp-video", "error", ("timestamps", "writer"))
def timestamp_video(doc, ctx, params) -> Iterator[Hit]:
    """All stamps of a part link one video: the part's video in course.toml."""
    if not _timed(doc):
        return
    meeting = ctx.meeting(doc.week, doc.part)
    expected = getattr(meeting, "video_id", None)
    first = None
    for sub in doc.subsections:
        video = sub.video_id
        if video is None:
            continue
        if expected and video != expected:
            yield Hit(
                sub.line,
                f"links video {video!r}, but week {doc.week} part {doc.part}'s "
                f"video is {expected!r}",
                sub.heading.stamp.column,
                "copy the video id from the course page",
                key=f"video:{video}:{sub.start}",
            )
        elif first is not None and video != first and not expected:
            yield Hit(
                sub.line,
                f"links video {video!r}, the note's first stamp links {first!r}",
                sub.heading.stamp.column,
                "one part, one video",
                key=f"video:{video}:{sub.start}",
            )
        first = first or video


def _last_of_video(doc, ctx) -> bool:
    """No later meeting of the week continues this part's video."""
    from dlcourse.notes.meetings import week_meetings

    meeting = ctx.meeting(doc.week, doc.part)
    if meeting is None:
        return not (doc.kind == "lecture" and doc.part == 1)
    later = [m for m in week_meetings(ctx.course, doc.week) if m.part > doc.part]
    return not any(m.pattern.video_continues == meeting.pattern.id for m in later)


def video_parts(docs, ctx) -> dict[tuple, list]:
    """Timed notes grouped by (language, week, video), in part order."""
    groups: dict[tuple, list] = defaultdict(list)
    for doc in docs:
        if not _timed(doc) or doc.week is None:
            continue
        videos = [sub.video_id for sub in doc.subsections if sub.video_id]
        meeting = ctx.meeting(doc.week, doc.part)
        video = getattr(meeting, "video_id", None) or (videos[0] if videos else None)
        groups[(doc.language, doc.week, video or f"part{doc.part}")].append(doc)
    for group in groups.values():
        group.sort(key=lambda d: d.part or 0)
    return groups


def slices(group, ctx):
    """(doc, subsection, seconds to the next start or None) for one video's notes in order."""
    stamped = [(doc, sub) for doc in group for sub in written_stamps(doc)]
    length = ctx.video_length(group[-1]) if group and _last_of_video(group[-1], ctx) else None
    for index, (doc, sub) in enumerate(stamped):
        if index + 1 < len(stamped):
            yield doc, sub, stamped[index + 1][1].start - sub.start, False
        elif length is not None and length[0] > sub.start:
            yield doc, sub, length[0] - sub.start, True


@rule(
    "TS005",
    "timestamp-slice",
    "warning",
    ("timestamps", "writer"),
    scope="course",
    params={
        "max_minutes": Param(None, "longest slice (default 2.5 × scribe.minutes_per_writer)"),
        "min_minutes": Param(3, "shortest slice"),
    },
)
def timestamp_slice(docs, ctx, params) -> Iterator[Hit]:
    """A writer's slice of video (to the next start, or to the video's end) stays near ~15 min.
    A slice far too long means a writer's slice is missing: a temporal gap in the notes."""
    longest = 60 * (params["max_minutes"] or 2.5 * ctx.course.scribe.minutes_per_writer)
    shortest = 60 * params["min_minutes"]
    split = 120 * ctx.course.scribe.minutes_per_writer  # TS009's default
    for group in video_parts(docs, ctx).values():
        for doc, sub, length, to_end in slices(group, ctx):
            if length > longest and _split_by_heading(doc, sub, split, ctx):
                continue  # an unstamped sibling heading inside: TS009 reports that heading
            if length > longest:
                until = "the end of the video" if to_end else "the next start"
                yield Hit(
                    sub.line,
                    f"subsection {sub.title!r} covers {clock(length)} of video "
                    f"(to {until}), more than {clock(longest)}",
                    sub.heading.stamp.column,
                    "a writer's slice is missing, or this one needs splitting",
                    path=doc.rel_path,
                    key=f"long:{sub.start}:{length}",
                )
            elif 0 < length < shortest:
                yield Hit(
                    sub.line,
                    f"subsection {sub.title!r} covers only {clock(length)} of video",
                    sub.heading.stamp.column,
                    "merge it with a neighbour or check the time",
                    path=doc.rel_path,
                    key=f"short:{sub.start}:{length}",
                )


def _continues(doc, ctx) -> bool:
    """Whether the part's video continues an earlier part's (lecture part B)."""
    meeting = ctx.meeting(doc.week, doc.part)
    if meeting is not None:
        return meeting.pattern.video_continues is not None
    return doc.kind == "lecture" and doc.part == 2


@rule(
    "TS006",
    "timestamp-continuity",
    "warning",
    ("timestamps", "writer"),
    scope="course",
    params={
        "max_start_offset": Param(
            600, "seconds from the start of the video to the first subsection of a part"
        )
    },
)
def timestamp_continuity(docs, ctx, params) -> Iterator[Hit]:
    """Parts start at their beginning and continue each other.
    A part's first subsection starts near the start of its video; consecutive parts of one video
    (NN-1 → NN-2) continue without overlap."""
    for group in video_parts(docs, ctx).values():
        previous_last = None
        for doc in group:
            timed = written_stamps(doc)
            if not timed:
                continue
            first = timed[0]
            if not _continues(doc, ctx) and first.start > params["max_start_offset"]:
                yield Hit(
                    first.line,
                    f"the part starts at {clock(first.start)}, late into its video",
                    first.heading.stamp.column,
                    "the first subsection covers the part from its beginning",
                    path=doc.rel_path,
                    key=f"late:{first.start}",
                )
            if previous_last is not None and first.start <= previous_last[1].start:
                yield Hit(
                    first.line,
                    f"part {doc.part} starts at {clock(first.start)}, not after "
                    f"{previous_last[0].rel_path}'s last start {clock(previous_last[1].start)}",
                    first.heading.stamp.column,
                    "parts of one video continue, not overlap",
                    path=doc.rel_path,
                    key=f"overlap:{first.start}:{previous_last[1].start}",
                )
            previous_last = (doc, timed[-1])


@rule("TS007", "timestamp-in-video", "error", ("timestamps", "writer"))
def timestamp_in_video(doc, ctx, params) -> Iterator[Hit]:
    """With a transcript beside the note (.sbv/.srt/.vtt), every start falls inside the video."""
    if not _timed(doc) or not doc.subsections:
        return
    length = ctx.video_length(doc)
    if length is None:
        return
    duration, name = length
    for sub in doc.subsections:
        if sub.start is not None and sub.start >= duration:
            yield Hit(
                sub.line,
                f"start {clock(sub.start)} is after the end of the video "
                f"({clock(duration)}, {name})",
                sub.heading.stamp.column,
                "check the time: seconds, or 1h2m3s",
                key=f"after-end:{sub.start}",
            )


@rule("TS008", "timestamp-opening", "warning", ("timestamps", "writer"))
def timestamp_opening(doc, ctx, params) -> Iterator[Hit]:
    """Text under a heading before the first time-stamped subsection belongs to no writer.
    A writer's slice starts at a stamped heading; a heading at the writers' level (or above)
    before the first stamp opens a section with no start time in the video — a subsection whose
    stamp is missing, or a preface (resources, an outline) that no writer's slice covers.
    Unstamped headings after the first stamp are structure inside a slice and are not reported."""
    if not _timed(doc):
        return
    stamped = [sub for sub in doc.subsections if sub.start is not None]
    if not stamped:
        return  # TS001 reports a note without stamps
    first = stamped[0]
    writers_level = min(sub.level for sub in stamped)
    for position, heading in enumerate(doc.headings):
        if heading.line >= first.line:
            break
        if heading.stamp is None and heading.level <= writers_level:
            yield Hit(
                heading.line,
                f"heading {heading.title!r} comes before the first time-stamped subsection "
                f"({first.title!r}, line {first.line}): its text has no start time",
                1,
                "link the video at its start time, or move the text into a writer's subsection",
                key=f"opening:{first.start}:{position}",
            )


def unstamped_between(doc, min_seconds: float) -> Iterator[tuple]:
    """``(heading, previous, next)``: an unstamped heading whose nearest headings of its level
    or above, before and after it, are stamped headings of its level on one video, at least
    ``min_seconds`` apart."""
    headings = doc.headings
    befores = _nearest_at_or_above(headings)
    afters = _nearest_at_or_above(headings[::-1])[::-1]
    for position, heading in enumerate(headings):
        if heading.stamp is not None:
            continue
        before, after = befores[position], afters[position]
        if before is None or after is None or not before.stamp or not after.stamp:
            continue
        if not before.level == heading.level == after.level:
            continue
        if before.stamp.video_id != after.stamp.video_id:
            continue
        start, end = before.stamp.seconds, after.stamp.seconds
        if start is not None and end is not None and end - start >= min_seconds:
            yield heading, before, after


def _nearest_at_or_above(headings: list) -> list:
    """For each heading, the closest heading before it of its level or above (None if none),
    from the last heading seen at each of the six levels: one pass, however many headings (a
    scan back from each heading made 50,000 headings cost 50,000 squared steps)."""
    last: list = [None] * 7  # (position, heading) of the last heading seen at each level 1–6
    found = []
    for position, heading in enumerate(headings):
        seen = [entry for entry in last[1 : heading.level + 1] if entry is not None]
        found.append(max(seen, key=lambda entry: entry[0])[1] if seen else None)
        last[heading.level] = (position, heading)
    return found


def _split_by_heading(doc, sub, min_seconds: float, ctx) -> bool:
    """Whether TS009 reports an unstamped heading inside ``sub``'s slice."""
    if is_translation(doc, ctx):
        return False
    cached = doc.__dict__.get("_split_slices")
    if cached is None or cached[0] != min_seconds:  # once per note, not once per subsection
        starts = {id(before) for _, before, _ in unstamped_between(doc, min_seconds)}
        cached = doc.__dict__["_split_slices"] = (min_seconds, starts)
    return id(sub.heading) in cached[1]


def _between_seconds(params, ctx) -> float:
    return 60 * (params["min_minutes"] or 2 * ctx.course.scribe.minutes_per_writer)


@rule(
    "TS009",
    "timestamp-between",
    "warning",
    ("timestamps", "writer"),
    params={
        "min_minutes": Param(
            None,
            "video between the stamped neighbours from which the heading is reported "
            "(default 2 × scribe.minutes_per_writer)",
        )
    },
)
def timestamp_between(doc, ctx, params) -> Iterator[Hit]:
    """A heading between two stamped headings of its level opens a writer's slice, with a stamp.
    '## A' (stamped), '## B' (no stamp), '## C' (stamped), with at least two writers' share of
    video between A's and C's stamps: B most likely starts a writer's slice whose stamp is
    missing, and its text is counted in A's slice. Closer stamps leave room for one writer only,
    and B is then structure inside A's slice (the 2020 notes do this). Source-language notes
    only: a translation's stamps are the source's (TR003)."""
    if not _timed(doc) or is_translation(doc, ctx):
        return
    for heading, before, after in unstamped_between(doc, _between_seconds(params, ctx)):
        yield Hit(
            heading.line,
            f"heading {heading.title!r} has no time stamp, between {before.title!r} "
            f"({clock(before.stamp.seconds)}) and {after.title!r} ({clock(after.stamp.seconds)}): "
            f"{clock(after.stamp.seconds - before.stamp.seconds)} of video, two writers' share",
            1,
            "link the video where this part starts ('dlcourse notes timestamps' proposes it)",
        )
