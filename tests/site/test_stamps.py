"""The checker and the site read a heading's video stamp from one parse, so they agree."""

from __future__ import annotations

import pytest

from dlcourse.notes.document import parse_note
from dlcourse.site.mathml import MathCache
from dlcourse.site.note_html import RenderContext, render_note

VIDEO = "0bMe_vCZo30"
WATCH = f"https://www.youtube.com/watch?v={VIDEO}"

# (heading as written, video id, start seconds): the notes' defects included
TRICKY = [
    (f"## [Plain]({WATCH}&t=217s)", VIDEO, 217),
    (f"## [No unit]({WATCH}&t=217)", VIDEO, 217),
    (f"## [Escaped ampersand]({WATCH}&amp;t=300s)", VIDEO, 300),
    (f"## [Hours]({WATCH}&t=1h2m3s)", VIDEO, 3723),
    (f"## [No seconds]({WATCH}&t=1h2m)", VIDEO, 3720),
    (f"## [Minutes]({WATCH}&t=3m)", VIDEO, 180),
    (f"## [Fragment]({WATCH}#t=95)", VIDEO, 95),
    (f"## [Short link](https://youtu.be/{VIDEO}?t=42)", VIDEO, 42),
    (f"## [Feature first](https://www.youtube.com/watch?feature=share&v={VIDEO}&t=5s)", VIDEO, 5),
    (f"## [Arabic mark](https://www.youtube.com/watch؟v={VIDEO}&t=400s)", VIDEO, 400),
    (f"## [Full width]（{WATCH}&t=500s）", VIDEO, 500),
    (f"## [Spaced] ({WATCH}&t=600s)", VIDEO, 600),
    (f"## [No start]({WATCH})", VIDEO, None),
    (f"## [Bad start]({WATCH}&t=soon)", VIDEO, None),
    ("## No stamp", None, None),
]


def _render(text: str):
    context = RenderContext(
        base_url="/", macros={}, resolve_link=lambda href: None, maths=MathCache()
    )
    document = parse_note(text)
    return document, render_note(document, context)


@pytest.mark.parametrize(("heading", "video", "start"), TRICKY, ids=[t[0][3:20] for t in TRICKY])
def test_checker_and_site_read_a_stamp_alike(heading: str, video, start) -> None:
    document, body = _render(heading + "\n\nText.\n")
    stamp = document.headings[0].stamp
    checker = (stamp.video_id, stamp.seconds) if stamp is not None else (None, None)
    section = body.toc[0]
    assert checker == (video, start)
    assert (section.video, section.start) == (video, start)


def test_a_note_of_tricky_stamps_lists_the_same_slices() -> None:
    text = "\n\n".join(heading + "\n\nText." for heading, _v, _s in TRICKY) + "\n"
    document, body = _render(text)
    checker = [(sub.video_id, sub.start) for sub in document.subsections]
    site = [(section.video, section.start) for section in body.toc if section.video]
    assert checker == site == [(v, s) for _h, v, s in TRICKY if v]
    # the stamp link leaves the heading's text (its words stay); the play link replaces it
    assert body.html.count(f'href="{WATCH}&amp;t=1h2m3s"') == 0
    assert body.html.count('class="video-time"') == len(site)
