"""Every page of the site, as (output path, function producing its bytes).

Pages are produced lazily so the builder can time and compare them one by one. Note bodies come
already rendered (and sanitised) from :mod:`dlcourse.site.note_html` via ``body_of``.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from jinja2 import Environment
from markupsafe import Markup, escape

from dlcourse.course import Course
from dlcourse.site.i18n import Translator
from dlcourse.site.note_bodies import NoteBody, NoteMeta
from dlcourse.site.sources import SiteLanguage, SiteSources, SourceFile

Producer = Callable[[], str | bytes]
_NOTE_REF = re.compile(r"^ch\.(\d+)(?:-(\d+))?$")


@dataclass(frozen=True)
class Link:
    url: str
    title: str


class SiteModel:
    def __init__(
        self,
        course: Course,
        sources: SiteSources,
        body_of: Callable[[str], NoteBody],
        meta_of: Callable[[str], NoteMeta],
        environment: Environment,
        options: Any,
        home_markdown: bytes | None = None,
    ) -> None:
        self.course = course
        self.sources = sources
        self.body_of = body_of  # rendered body (loaded from the cache only when a page needs it)
        self.meta_of = meta_of  # front matter and stamps (kept in the build manifest)
        self.env = environment
        self.options = options
        self.home_markdown = home_markdown  # the home page's Markdown, as the build read it
        self.base = course.site.base_path  # every link and asset: a path on the same host
        self.site_url = course.site.base_url  # the sitemap's addresses (a host if opted in)
        self.source_lang = course.notes.source_language
        self.asset_version = "1"
        self._stale: dict[str, bool] = {}  # docs_rel → is_stale (every page's switcher asks)
        self._switcher_items: dict[tuple[Any, ...], str] = {}  # one <li> of the switcher
        self._alternates: dict[str, Markup] = {}  # ref → the <link rel="alternate"> lines

    def prepare(self) -> None:
        """Compute what every page shares (navigation tables, calendar, compiled templates)
        once, before the pages are laid out in forked workers."""
        _ = self.by_ref, self.calendar, self.week_summaries
        for source in self.sources.files:
            self.is_stale(source)
        for name in self.env.list_templates(extensions=["html"]):
            self.env.get_template(name)

    # -- lookups ----------------------------------------------------------------------------
    @cached_property
    def languages(self) -> list[SiteLanguage]:
        if self.sources.languages:
            return self.sources.languages
        from dlcourse.site.sources import language_of

        return [language_of(self.source_lang, self.course)]

    def language(self, code: str) -> SiteLanguage:
        return next((lang for lang in self.languages if lang.code == code), self.languages[0])

    def url(self, source: SourceFile) -> str:
        return self.base + source.url_path

    def ref(self, source: SourceFile) -> str:
        """The cross-language identity of a page: ``lang-ref`` or, failing that, its path."""
        front = self.meta_of(source.docs_rel).front
        return front.get("lang-ref") or source.slug

    def title(self, source: SourceFile) -> str:
        front = self.meta_of(source.docs_rel).front
        if front.get("title"):
            return str(front["title"])
        t = Translator(source.lang)
        if source.kind == "week" and source.week:
            return t("week", n=source.week)
        return source.slug.rsplit("/", 1)[-1]

    @cached_property
    def week_summaries(self) -> dict[tuple[str, int], SourceFile]:
        return {(f.lang, f.week): f for f in self.sources.files if f.kind == "week" and f.week}

    @cached_property
    def by_ref(self) -> dict[str, dict[str, SourceFile]]:
        table: dict[str, dict[str, SourceFile]] = {}
        for source in self.sources.files:
            table.setdefault(self.ref(source), {})[source.lang] = source
        return table

    def is_stale(self, source: SourceFile) -> bool:
        """A translation is stale when its video stamps no longer match the source language's
        (the writers' sections changed after it was translated)."""
        known = self._stale.get(source.docs_rel)
        if known is None:
            known = self._stale[source.docs_rel] = self._compute_stale(source)
        return known

    def _compute_stale(self, source: SourceFile) -> bool:
        if source.lang == self.source_lang:
            return False
        original = self.by_ref[self.ref(source)].get(self.source_lang)
        if original is None:
            return False
        mine = self.meta_of(source.docs_rel).stamps
        theirs = self.meta_of(original.docs_rel).stamps
        return bool(mine) and [s[1] for s in mine] != [s[1] for s in theirs]

    def switcher(
        self, source: SourceFile | None, path_for: Callable[[str], str | None]
    ) -> list[dict[str, Any]]:
        items = []
        for lang in self.languages:
            url = path_for(lang.code)
            stale = False
            if source is not None and url is not None and lang.code != self.source_lang:
                stale = self.is_stale(self.by_ref[self.ref(source)][lang.code])
            items.append(
                {
                    "code": lang.code,
                    "name": lang.name,
                    "direction": lang.direction,
                    "url": url,
                    "current": source is not None and lang.code == source.lang,
                    "stale": stale,
                }
            )
        return items

    def ordered(self, code: str) -> list[SourceFile]:
        return [f for f in self.sources.by_language(code) if f.kind != "page"] + [
            f for f in self.sources.by_language(code) if f.kind == "page"
        ]

    def switcher_items(self, items: list[dict[str, Any]], t: Translator) -> Markup:
        """The switcher's ``<li>`` lines. Each one is made once per build: a language's entry
        is the same on every page of a note's translations except its own (and the labels of
        a missing or outdated translation are the page language's)."""
        out = []
        cache = self._switcher_items
        for item in items:
            url, stale = item["url"], item["stale"]
            label = None
            if not url:
                label = t("translation_missing")
            elif stale:
                label = t("translation_stale")
            key = (item["code"], item["name"], item["direction"], url, item["current"], label)
            line = cache.get(key)
            if line is None:
                line = cache[key] = _switcher_item(item, label)
            out.append(line)
        return Markup("".join(out))

    @staticmethod
    def alternate_links(alternates: list[dict[str, Any]] | Markup) -> Markup:
        """``<link rel="alternate">`` lines (already made: returned as they are)."""
        if isinstance(alternates, Markup):
            return alternates
        return Markup(
            "".join(
                f'<link rel="alternate" hreflang="{escape(alt["code"])}" '
                f'href="{escape(alt["url"])}">\n'
                for alt in alternates
            )
        )

    # -- rendering helpers ------------------------------------------------------------------
    def render(self, template: str, lang: SiteLanguage, **context: Any) -> str:
        defaults: dict[str, Any] = {
            "course": self.course,
            "base": self.base,
            "lang": lang,
            "t": Translator(lang.code),
            "title": None,
            "toc": None,
            "switcher": None,
            "alternates": [],
            "asset_version": self.asset_version,
            "live_reload": self.options.live_reload,
            "page_kind": template.removesuffix(".html"),
            "search_enabled": False,
            "switcher_items": self.switcher_items,
            "alternate_links": self.alternate_links,
        }
        defaults.update(context)
        return self.env.get_template(template).render(**defaults)

    def site_switcher(self, suffix: str) -> list[dict[str, Any]]:
        return self.switcher(None, lambda code: f"{self.base}{code}/{suffix}")

    # -- pages ------------------------------------------------------------------------------
    def outputs(self) -> list[tuple[str, str | None, Producer]]:
        """(path, note it renders or None, producer). A note page depends on its own body and
        on the navigation (every note's metadata); every other page on the navigation only."""
        out: list[tuple[str, Producer]] = [
            ("index.html", self.home),
            ("schedule/index.html", self.schedule),
            ("course.ics", self.ics),
            ("labs/index.html", self.labs),
            ("404.html", self.not_found),
            ("sitemap.xml", self.sitemap),
            ("robots.txt", lambda: f"Sitemap: {self.site_url}sitemap.xml\n"),
            (".nojekyll", lambda: ""),
        ]
        for lang in self.languages:
            out.append((f"{lang.code}/index.html", lambda lang=lang: self.contents(lang)))
            out.append((f"{lang.code}/search/index.html", lambda lang=lang: self.search(lang)))
            files = self.ordered(lang.code)
            for index, source in enumerate(files):
                previous = files[index - 1] if index > 0 else None
                following = files[index + 1] if index + 1 < len(files) else None
                out.append(
                    (
                        f"{source.url_path}index.html",
                        lambda s=source, p=previous, n=following: self.note(s, p, n),
                    )
                )
        notes = {f"{f.url_path}index.html": f.docs_rel for f in self.sources.files}
        return [(rel, notes.get(rel), producer) for rel, producer in out]

    def note(
        self, source: SourceFile, previous: SourceFile | None, following: SourceFile | None
    ) -> str:
        body = self.body_of(source.docs_rel)
        lang = self.language(source.lang)
        group = self.by_ref[self.ref(source)]
        toc = [
            {"anchor": a, "title": t, "level": level}
            for a, t, level, _video, _start in body.toc
            if level >= 2
        ]
        switcher = self.switcher(
            source, lambda code: self.url(group[code]) if code in group else None
        )
        ref = self.ref(source)
        alternates = self._alternates.get(ref)
        if alternates is None:  # the same on every page of the note's translations
            alternates = self._alternates[ref] = self.alternate_links(
                [{"code": code, "url": self.url(other)} for code, other in sorted(group.items())]
            )
        week_url = None
        if source.kind == "note" and source.week is not None:
            summary = self.week_summaries.get((source.lang, source.week))
            week_url = self.url(summary) if summary else None
        return self.render(
            "note.html",
            lang,
            week_url=week_url,
            title=self.title(source),
            body=body.html,
            meta=body.meta.front,
            page=source,
            toc=toc if len(toc) > 1 else None,
            switcher=switcher,
            alternates=alternates,
            prev=Link(self.url(previous), self.title(previous)) if previous else None,
            next=Link(self.url(following), self.title(following)) if following else None,
        )

    def contents(self, lang: SiteLanguage) -> str:
        t = Translator(lang.code)
        groups: list[dict[str, Any]] = []
        weeks: dict[int, dict[str, Any]] = {}
        pages: list[dict[str, Any]] = []
        for source in self.sources.by_language(lang.code):
            entry = {"url": self.url(source), "title": self.title(source), "note": ""}
            if source.lang != self.source_lang and self.is_stale(source):
                entry["note"] = t("translation_stale")
            if source.kind == "page":
                pages.append(entry)
                continue
            week = weeks.setdefault(
                source.week or 0, {"title": t("week", n=source.week), "url": None, "items": []}
            )
            if source.kind == "week":
                week["url"] = entry["url"]
            else:
                week["items"].append(entry)
        missing = self._missing(lang.code)
        for number in sorted(weeks):
            groups.append(weeks[number])
        if pages:
            groups.insert(0, {"title": t("contents"), "url": None, "items": pages})
        if missing:
            groups.append(
                {
                    "title": t("translation_missing"),
                    "url": None,
                    "items": [
                        {"url": self.url(s), "title": self.title(s), "note": s.lang}
                        for s in missing
                    ],
                }
            )
        return self.render(
            "contents.html",
            lang,
            title=f"{t('notes')} · {lang.name}",
            groups=groups,
            switcher=self.site_switcher(""),
        )

    def _missing(self, code: str) -> list[SourceFile]:
        if code == self.source_lang:
            return []
        missing = [
            group[self.source_lang]
            for group in self.by_ref.values()
            if self.source_lang in group
            and code not in group
            and group[self.source_lang].kind != "page"
        ]
        return sorted(missing, key=lambda source: source.order)  # in reading order

    def search(self, lang: SiteLanguage) -> str:
        from dlcourse.site import search as search_module

        enabled = self.options.search and search_module.available()
        others = ",".join(lg.code for lg in self.languages if lg.code != lang.code)
        return self.render(
            "search.html",
            lang,
            title=Translator(lang.code)("search"),
            switcher=self.site_switcher("search/"),
            search_enabled=enabled,
            search_languages=others,
        )

    @cached_property
    def calendar(self) -> Any:
        from dlcourse.course.calendar import build_calendar

        return build_calendar(self.course)

    def home(self) -> str:
        lang = self.language(self.source_lang)
        t = Translator(lang.code)
        roles = {role: t(f"role_{role}") for role in ("instructor", "ta", "guest", "grader")}
        people = self.course.people
        return self.render(
            "home.html",
            lang,
            title=None,
            body=self.home_body,
            languages=self.languages,
            staff=[p for p in people if p.role in ("instructor", "ta")],
            graders=[p for p in people if p.role == "grader"],
            guests=[p for p in people if p.role == "guest"],
            roles=roles,
            deadlines=self.calendar.deadlines,
        )

    @cached_property
    def home_body(self) -> str:
        """The home page's Markdown rendered (once a build), or "" without one."""
        from dlcourse.notes.document import parse_note
        from dlcourse.site.mathml import MathCache
        from dlcourse.site.note_html import RenderContext, render_note

        path = self.course.home_page_path
        if path is None or self.home_markdown is None:
            return ""
        document = parse_note(self.home_markdown, path=path)
        context = RenderContext(
            base_url=self.base,
            macros=self.course.notes.macros,
            resolve_link=lambda href: None,
            maths=MathCache(),
            embed_videos=False,
        )
        return render_note(document, context).html

    def schedule(self) -> str:
        lang = self.language(self.source_lang)
        calendar = self.calendar
        weeks = []
        notes = {
            (f.week, f.part): f
            for f in self.sources.by_language(self.source_lang)
            if f.kind == "note"
        }
        summaries = {
            f.week: f for f in self.sources.by_language(self.source_lang) if f.kind == "week"
        }
        for number in calendar.week_numbers():
            meetings = []
            for meeting in calendar.in_week(number):
                note = notes.get((meeting.week, meeting.part))
                meetings.append(
                    {
                        "date": meeting.date,
                        "start": meeting.start,
                        "end": meeting.end,
                        "title": meeting.title,
                        "lecturer": meeting.lecturer,
                        "video": meeting.video_url(),
                        "scribe_due": meeting.scribe_due,
                        "note_url": self.url(note) if note else None,
                        "note_title": self.title(note) if note else None,
                    }
                )
            meetings.extend(self.days_off_in_week(number))
            meetings.sort(key=lambda row: row["date"])  # a day off sits where its class was
            first = calendar.in_week(number)[0]
            summary = summaries.get(number)
            weeks.append(
                {
                    "number": number,
                    "topics": list(first.topics),
                    "meetings": meetings,
                    "summary_url": self.url(summary) if summary else None,
                }
            )
        return self.render(
            "schedule.html",
            lang,
            title=Translator(lang.code)("schedule"),
            weeks=weeks,
            deadlines=calendar.deadlines,
            weeks_off=self.weeks_off(),
        )

    def weeks_off(self) -> list[dict[str, object]]:
        """Each day off that removed whole weeks (spring break) and no meeting of a teaching
        week, once, placed after the teaching week before it. A day off that removed a meeting
        is a row of its week (:meth:`days_off_in_week`); one that removed no meeting at all
        (a holiday on a day without class) changes nothing a student plans by, so it is not
        shown."""
        shown_in_weeks = [
            off
            for off in self.course.schedule.days_off
            if any(off.covers(cancelled.date) for cancelled in self.calendar.cancelled)
        ]
        rows: list[dict[str, object]] = []
        placed: list[object] = []
        for week_off in self.calendar.weeks_off:
            day_off = week_off.day_off
            if any(day_off is other for other in [*shown_in_weeks, *placed]):
                continue
            placed.append(day_off)
            rows.append(
                {
                    "after_week": week_off.after_week,
                    "date": day_off.date,
                    "until": day_off.until,
                    "reason": day_off.reason,
                }
            )
        return rows

    def days_off_in_week(self, week: int) -> list[dict[str, object]]:
        """One schedule row per day off that removed meetings from this teaching week, named
        from course.toml ("Presidents' Day (no lecture)") with the meetings it removed."""
        rows: dict[object, dict[str, object]] = {}
        for cancelled in self.calendar.cancelled_in_week(week):
            row = rows.setdefault(
                cancelled.date,
                {"date": cancelled.date, "day_off": cancelled.reason, "titles": []},
            )
            row["titles"].append(cancelled.title)  # type: ignore[union-attr]
        return list(rows.values())

    def ics(self) -> bytes:
        """The lead's writer; its DTSTAMP is fixed to the term's first day (midnight UTC) so
        the file is byte-stable across rebuilds and the page cache stays warm."""
        from dlcourse.course.ical_export import course_ics

        term_start = self.course.schedule.term_start
        stamp = dt.datetime.combine(term_start, dt.time(), tzinfo=dt.UTC)
        return course_ics(self.calendar, stamp=stamp)

    def labs(self) -> str:
        lang = self.language(self.source_lang)
        try:
            from dlcourse.labs.catalogue import LABS

            labs = list(LABS)
        except Exception:  # the labs part is optional for the site
            labs = []
        return self.render("labs.html", lang, title=Translator(lang.code)("labs"), labs=labs)

    def not_found(self) -> str:
        lang = self.language(self.source_lang)
        return self.render("404.html", lang, title=Translator(lang.code)("not_found"))

    def sitemap(self) -> str:
        urls = [self.base, f"{self.base}schedule/", f"{self.base}labs/"]
        for lang in self.languages:
            urls.append(f"{self.base}{lang.code}/")
            urls.extend(self.url(f) for f in self.ordered(lang.code))
        today = dt.date.today().isoformat()
        lines = [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
        ]
        origin = self.site_url.removesuffix(self.base)  # "https://host" when opted in, else ""
        lines += [
            f"<url><loc>{html.escape(origin + u)}</loc><lastmod>{today}</lastmod></url>"
            for u in urls
        ]
        lines.append("</urlset>")
        return "\n".join(lines) + "\n"


def _switcher_item(item: dict[str, Any], label: str | None) -> str:
    """One ``<li>`` of the language switcher, as the template wrote it (autoescaped)."""
    code, name = escape(item["code"]), escape(item["name"])
    head = f'      <li lang="{code}" dir="{escape(item["direction"])}">'
    if not item["url"]:
        return f'{head}<span class="missing">{name}</span> <small>({escape(label)})</small></li>\n'
    current = ' aria-current="page"' if item["current"] else ""
    stale = f' <small class="stale">({escape(label)})</small>' if item["stale"] else ""
    link = f'<a href="{escape(item["url"])}" hreflang="{code}"{current}>{name}</a>'
    return f"{head}{link}{stale}</li>\n"
