"""The checker as a library: ``check_course(course, paths=None) -> Report``.

One parse per file; note rules run where the file is parsed (in a worker process when there are
many files), course rules run once over slim copies of every parsed note. The CLI only formats
the report and sets the exit code.
"""

from __future__ import annotations

import dataclasses
import os
import re
import subprocess
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dlcourse.course import Course
from dlcourse.course.layout import (
    CACHE_FOLDER,
    OutsideLink,
    is_example,
    is_notes_folder,
    unfollowed_link,
    walk_folder,
)
from dlcourse.course.paths import is_inside, resolved
from dlcourse.notes.cache import (
    FileResult,
    ResultCache,
    config_key,
    digest,
    fingerprint,
)
from dlcourse.notes.check_context import Context
from dlcourse.notes.config import NOTE_SIZE_RULE, RuleSetting, default_setting, resolve_rules
from dlcourse.notes.discover import iter_markdown_files
from dlcourse.notes.document import (
    NoteDocument,
    locate_in_docs,
    note_size_limit,
    parse_note,
    read_note_bytes,
)
from dlcourse.notes.findings import Finding, Hit
from dlcourse.notes.inherit import SourceKeys, drop_inherited, keys_of
from dlcourse.notes.transcript import transcripts_in
from dlcourse.util.workers import worker_pool

_PRAGMA = re.compile(r"<!--\s*dlcourse-disable-(next-line|file)\s+([A-Za-z0-9_,\s-]+?)\s*-->")
PARALLEL_THRESHOLD = 48


@dataclass
class Report:
    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    cached: int = 0  # files whose note-rule results came from the cache
    # findings left out per file: inherited from the source note, or a once-per-run repeat
    inherited: Counter[str] = field(default_factory=Counter)

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for f in self.findings if f.severity == "warning")

    @property
    def has_errors(self) -> bool:
        return self.errors > 0

    def by_rule(self, rule: str) -> list[Finding]:
        return [f for f in self.findings if f.rule == rule or f.alias == rule]


def display_path(path: Path) -> str:
    """Relative to the working folder when inside it, else absolute."""
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return str(path)
    return str(Path(path).absolute()) if relative.startswith("..") else relative


def _pragmas(doc: NoteDocument) -> tuple[dict[int, set[str]], set[str]]:
    by_line: dict[int, set[str]] = {}
    whole: set[str] = set()
    if "dlcourse-disable" not in doc.text:
        return by_line, whole
    lines = doc.lines
    for number, line in enumerate(lines, start=1):
        for match in _PRAGMA.finditer(line):
            ids = {part for part in re.split(r"[,\s]+", match.group(2)) if part}
            if match.group(1) == "file":
                whole |= ids
                continue
            target = number + 1
            while target <= len(lines) and not lines[target - 1].strip():
                target += 1
            by_line.setdefault(target, set()).update(ids)
    return by_line, whole


def _suppressed(finding: Finding, pragmas: tuple[dict[int, set[str]], set[str]]) -> bool:
    by_line, whole = pragmas
    names = {finding.rule, finding.alias, "all"}
    return bool(names & whole) or bool(names & by_line.get(finding.line, set()))


def _finding(setting: RuleSetting, hit: Hit, path: str) -> Finding:
    rule = setting.rule
    return Finding(
        path,
        max(1, hit.line),
        max(1, hit.column),
        rule.id,
        rule.alias,
        setting.severity,
        hit.message,
        hit.hint,
        bool(hit.fix),
        hit.fix,
        hit.key,
    )


def _run_rule(setting: RuleSetting, target: Any, ctx: Context) -> Iterable[Hit]:
    try:
        yield from setting.rule.fn(target, ctx, setting.params)
    except Exception as error:  # a rule bug must not hide the other findings
        yield Hit(
            1,
            f"internal error in rule {setting.rule.id}: {type(error).__name__}: {error}",
            1,
            "please report this",
        )


def check_document(
    doc: NoteDocument, ctx: Context, settings: dict[str, RuleSetting], display: str
) -> list[Finding]:
    """Note rules on one parsed note (pragmas applied). A note too large to parse gets only
    ENC005 (note-size), whatever the settings: its other rules never ran."""
    if doc.too_large is not None:
        setting = settings.get(NOTE_SIZE_RULE) or default_setting(NOTE_SIZE_RULE)
        return [_finding(setting, hit, display) for hit in _run_rule(setting, doc, ctx)]
    pragmas = _pragmas(doc)
    findings = []
    for setting in settings.values():
        if not setting.enabled or setting.rule.scope != "note":
            continue
        for hit in _run_rule(setting, doc, ctx):
            finding = _finding(setting, hit, display)
            if not _suppressed(finding, pragmas):
                findings.append(finding)
    return findings


def slim(doc: NoteDocument) -> NoteDocument:
    """The note without what only note rules use (tokens, text, lines, formulas, links, raw
    HTML): what course rules need, cheap to send between processes and to cache."""
    return dataclasses.replace(
        doc, tokens=[], text="", lines=[], maths=[], links=[], html_blocks=[]
    )


def dependencies(doc: NoteDocument, ctx: Context) -> set[str]:
    """Folders and files whose state a note's findings depend on, besides its own bytes:
    its folder, the folders of local images and links (a file added, removed or renamed there
    changes the folder's time), the English folder of a translation, and its transcripts."""
    paths: set[str] = set()
    if doc.path is None:
        return paths
    paths.add(str(Path(doc.path).parent))
    for item in (*doc.figures, *doc.links):
        target = item.path
        if target is not None:
            paths.add(os.path.dirname(target))
            paths.add(str(target))
    if doc.rel_path and doc.language and doc.language != ctx.source_language:
        source = ctx.docs_dir / ctx.source_language / Path(doc.rel_path).relative_to(doc.language)
        paths.add(str(source.parent))
    if doc.week is not None and doc.kind in ("lecture", "practicum"):
        for folder in {p for p in paths if p.endswith(f"week{doc.week:02d}")}:
            for suffix in (".sbv", ".srt", ".vtt"):
                paths.add(os.path.join(folder, f"{doc.kind}{doc.week:02d}{suffix}"))
            paths.update(str(path) for path in transcripts_in(Path(folder), doc.week).values())
    return paths


def _check_data(
    path: Path, data: bytes, ctx: Context, settings: dict[str, RuleSetting], file_digest: str
) -> FileResult:
    display = display_path(path)
    doc = parse_note(data, path=path, docs_dir=ctx.docs_dir, course=ctx.course)
    findings = check_document(doc, ctx, settings, display)
    deps = fingerprint(dependencies(doc, ctx))
    return FileResult(str(path.absolute()), file_digest, findings, slim(doc), _pragmas(doc), deps)


def _unreadable(path: Path, error: OSError) -> FileResult:
    finding = Finding(
        display_path(path),
        1,
        1,
        "ENC001",
        "encoding-utf8",
        "error",
        f"cannot read the file: {error.strerror or error}",
    )
    return FileResult(str(path.absolute()), None, [finding])


def _check_file(path: Path, ctx: Context, settings: dict[str, RuleSetting]) -> FileResult:
    try:
        data = read_note_bytes(path, note_size_limit(ctx.course))
    except OSError as error:
        return _unreadable(path, error)
    return _check_data(path, data, ctx, settings, digest(data))


# --- worker processes -------------------------------------------------------------------------


class _Checking:
    """What every worker checks with. Forked workers inherit the parent's context, settings and
    parser; a worker started otherwise gets this pickled without them and makes its own once."""

    def __init__(
        self,
        ctx: Context,
        settings: dict[str, RuleSetting],
        init: tuple[Course, Path, Path | None, list[str] | None],
    ) -> None:
        self.ctx: Context | None = ctx
        self.settings: dict[str, RuleSetting] | None = settings
        self.init = init

    def __getstate__(self) -> dict[str, Any]:
        return {"ctx": None, "settings": None, "init": self.init}

    def ready(self) -> tuple[Context, dict[str, RuleSetting]]:
        if self.ctx is None or self.settings is None:
            course, docs_dir, contents, select = self.init
            self.ctx = Context(course, docs_dir, contents)
            self.settings = resolve_rules(course, select)
        return self.ctx, self.settings


def _check_batch(checking: _Checking, paths: list[Path]) -> list[FileResult]:
    ctx, settings = checking.ready()
    return [_check_file(path, ctx, settings) for path in paths]


def _batches(files: list[Path], sizes: dict[Path, int], count: int) -> list[list[Path]]:
    """``count`` batches of about equal bytes (largest file first into the lightest batch)."""
    batches: list[list[Path]] = [[] for _ in range(count)]
    loads = [0] * count
    for file in sorted(files, key=lambda f: -sizes.get(f, 0)):
        lightest = loads.index(min(loads))
        batches[lightest].append(file)
        loads[lightest] += sizes.get(file, 0)
    return [batch for batch in batches if batch]


def _run_parallel(
    files: list[Path],
    sizes: dict[Path, int],
    workers: int,
    ctx: Context,
    settings: dict[str, RuleSetting],
    init: tuple,
) -> list[FileResult]:
    from dlcourse.notes import mathml_core  # noqa: F401  (imported once here, not per worker)
    from dlcourse.notes.markdown import shared_markdown

    shared_markdown()  # built once here, inherited by forked workers
    with worker_pool(workers, _Checking(ctx, settings, init)) as pool:
        batches = _batches(files, sizes, workers * 3)
        return [item for batch in pool.map(_check_batch, batches) for item in batch]


# --- orchestration ----------------------------------------------------------------------------


def infer_docs_dir(course: Course, paths: Sequence[Path] | None) -> Path:
    """The course's docs folder, or — when every path lies elsewhere — the folder the layout
    ``<docs>/<lang>/weekNN/`` points to."""
    course_docs = resolved(Path(course.docs_dir))
    if not paths:
        return Path(course.docs_dir)
    for path in paths:
        target = resolved(Path(path))
        if target == course_docs or course_docs in target.parents:
            return Path(course.docs_dir)
    for path in paths:
        path = Path(path)
        if path.is_dir():
            if is_notes_folder(path):
                return path
            if path.parent.name and is_notes_folder(path.parent):
                return path.parent
            continue
        root, _ = locate_in_docs(path, None)
        if root is not None:
            return root
    return Path(course.docs_dir)


def expand_paths(
    paths: Sequence[Path] | None, docs_dir: Path, boundary: Path | None = None
) -> tuple[list[Path], list[OutsideLink]]:
    """The Markdown files to check — every one under the docs folder, or those of ``paths`` —
    and the symbolic links met that are not followed (see LINK002). Folders are walked
    without following links out of ``boundary`` (the course folder); a file named inside the
    course that resolves out of it (a link, or a path through a linked folder) is such a link,
    never read. A file named outside the course is the user's to check."""
    if not paths:
        walked = walk_folder(docs_dir, boundary)
        return [item.path for item in walked.files if item.rel.endswith(".md")], list(
            walked.outside_links
        )
    files: list[Path] = []
    links: list[OutsideLink] = []
    for path in paths:
        path = Path(path)
        if boundary is not None and _named_inside(path, boundary):
            unfollowed = unfollowed_link(path.name, path, boundary.resolve())
            if unfollowed is not None and (unfollowed.problem == "outside" or path.is_symlink()):
                links.append(unfollowed)
                continue
        if path.is_dir():
            within = boundary is not None and is_inside(path, boundary)
            walked = walk_folder(path, boundary if within else None)
            files.extend(item.path for item in walked.files if item.rel.endswith(".md"))
            links.extend(walked.outside_links)
        else:
            files.append(path)
    seen: set[str] = set()
    unique = []
    for file in files:
        key = os.path.abspath(file)
        if key not in seen:
            seen.add(key)
            unique.append(file)
    return unique, links


def _named_inside(path: Path, folder: Path) -> bool:
    """Whether ``path``, as written (``..`` collapsed, links not followed), lies in ``folder``."""
    written = Path(os.path.abspath(path))
    return any(
        written == root or root in written.parents
        for root in {Path(os.path.abspath(folder)), folder.resolve()}
    )


def changed_files(ref: str, docs_dir: Path) -> set[Path]:
    """Markdown files changed since git ``ref``: committed since, staged, modified or new
    (untracked, not ignored). Raises ValueError with a message for the user when ``docs_dir``
    is not in a git work tree or ``ref`` is not a commit there."""

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                ["git", "-C", str(docs_dir), *args],
                capture_output=True,
                text=True,
                check=False,
                timeout=60,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise ValueError(f"--changed-since: cannot run git: {error}") from error

    inside = git("rev-parse", "--is-inside-work-tree")
    if inside.returncode != 0 or inside.stdout.strip() != "true":
        raise ValueError(
            f"--changed-since {ref}: {docs_dir} is not inside a git repository "
            "(check without --changed-since, or run it in a clone)"
        )
    known = git("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    if known.returncode != 0:
        raise ValueError(
            f"--changed-since {ref}: no such commit, branch or tag in this repository "
            "(e.g. HEAD~1, main, origin/main; in CI fetch the base branch first)"
        )
    names: list[str] = []
    for args in (
        ("diff", "--name-only", "-z", "--relative", known.stdout.strip(), "--", "."),
        ("ls-files", "-z", "--others", "--exclude-standard", "--", "."),
    ):
        result = git(*args)
        if result.returncode != 0:
            raise ValueError(f"git cannot compare with {ref!r}: {result.stderr.strip()}")
        names.extend(name for name in result.stdout.split("\0") if name)
    return {resolved(docs_dir / name) for name in names}  # a loop of links is a name too


def git_times(docs_dir: Path) -> dict[str, int] | None:
    """Last commit time of every file under ``docs_dir`` (paths relative to it)."""
    try:
        result = subprocess.run(
            [
                "git",
                "-C",
                str(docs_dir),
                "log",
                "--format=@%ct",
                "--name-only",
                "--relative",
                "--",
                ".",
            ],
            capture_output=True,
            text=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    times: dict[str, int] = {}
    current = 0
    for line in result.stdout.splitlines():
        if line.startswith("@"):
            current = int(line[1:])
        elif line.strip():
            times.setdefault(line.strip(), current)
    return times or None


def _load_sources(
    ctx: Context, docs: list[NoteDocument], settings: dict[str, RuleSetting]
) -> dict[str, tuple[NoteDocument, list[Finding]]]:
    """Index the source-language notes that translations point to (parsing missing ones).
    Returns the notes it had to parse — sources not checked in this run — with their note
    rules' findings, by rel_path: what a translation may have inherited from them."""
    source = ctx.source_language
    index = {doc.lang_ref: doc for doc in docs if doc.language == source and doc.lang_ref}
    wanted = {doc.lang_ref for doc in docs if doc.language not in (None, source) and doc.lang_ref}
    missing = wanted - set(index)
    extras: dict[str, tuple[NoteDocument, list[Finding]]] = {}
    if missing and (ctx.docs_dir / source).is_dir():
        for path in iter_markdown_files(ctx.docs_dir / source):
            try:
                doc = parse_note(path, docs_dir=ctx.docs_dir, course=ctx.course)
            except OSError:
                continue
            if doc.lang_ref in missing and doc.lang_ref not in index:
                findings = check_document(doc, ctx, settings, display_path(path))
                index[doc.lang_ref] = slim(doc)
                extras[doc.rel_path or str(path)] = (index[doc.lang_ref], findings)
    ctx.source_docs = index
    return extras


def _inherited(
    report: Report,
    docs: list[NoteDocument],
    extras: dict[str, tuple[NoteDocument, list[Finding]]],
    course_rules: list[RuleSetting],
    ctx: Context,
) -> None:
    """Leave out of ``report`` the translations' findings inherited from their source notes
    and the repeats of once-per-run rules (see :mod:`dlcourse.notes.inherit`)."""
    source = ctx.source_language
    source_of: dict[str, str] = {}
    source_keys: SourceKeys = defaultdict(set)
    for doc in docs:
        original = ctx.source_docs.get(doc.lang_ref) if doc.lang_ref else None
        if doc.path is None or original is None or doc.language in (None, source):
            continue
        source_of[display_path(Path(doc.path))] = original.rel_path or ""
    if source_of:
        checked = {display_path(Path(d.path)): d.rel_path for d in docs if d.language == source}
        for finding in report.findings:
            rel = checked.get(finding.path)
            if rel and finding.key:
                source_keys[rel].add((finding.rule, finding.key))
        for rel, (_, findings) in extras.items():
            source_keys[rel] |= keys_of(findings)
        if extras and course_rules:
            english = [d for d in docs if d.language == source]
            english += [doc for doc, _ in extras.values()]
            for setting in course_rules:
                for hit in _run_rule(setting, english, ctx):
                    if hit.key and hit.path in extras:
                        source_keys[hit.path].add((setting.rule.id, hit.key))
    report.findings, report.inherited = drop_inherited(report.findings, source_of, source_keys)


def _course_root(course: Course) -> Path | None:
    try:
        return course.root
    except RuntimeError:  # a course made in memory, not loaded from a folder
        return None


def default_cache_dir(course: Course) -> Path | None:
    """``<course folder>/.dlcourse-cache``; None for a course not loaded from a folder and for
    the embedded example (never write into the installed package)."""
    root = _course_root(course)
    if root is None or is_example(root):
        return None
    return root / CACHE_FOLDER


def check_course(
    course: Course,
    paths: Sequence[Path | str] | None = None,
    *,
    docs_dir: Path | None = None,
    contents_file: Path | None = None,
    select: list[str] | None = None,
    changed_since: str | None = None,
    jobs: int | None = None,
    cache_dir: Path | None = None,
) -> Report:
    """Check notes of ``course``: all Markdown under its docs folder, or ``paths`` (files or
    folders). ``cache_dir`` (e.g. :func:`default_cache_dir`) keeps per-file results between
    runs; None checks everything afresh. Raises :class:`dlcourse.course.CourseError` for a
    bad ``[notes.rules]``."""
    settings = resolve_rules(course, select)
    path_list = [Path(p) for p in paths] if paths else None
    docs = Path(docs_dir) if docs_dir else infer_docs_dir(course, path_list)
    if contents_file is None and course.notes.contents_file and docs == Path(course.docs_dir):
        contents_file = Path(course.root) / course.notes.contents_file
    files, links = expand_paths(path_list, docs, _course_root(course))
    if changed_since:
        changed = changed_files(changed_since, docs)
        files = [f for f in files if resolved(f) in changed]
        links = [link for link in links if link.target in changed]  # resolved as git's names
    ctx = Context(course, docs, contents_file, unfollowed_links=links)
    cache = None
    if cache_dir is not None:
        cache = ResultCache(Path(cache_dir), config_key(course, settings, docs, contents_file))
        cache.load()
        ctx.known_hashes = cache.file_hashes
    results: dict[Path, FileResult] = {}
    todo: list[Path] = []
    sizes: dict[Path, int] = {}
    for path in files:
        if cache is None:
            todo.append(path)
            continue
        try:
            data = read_note_bytes(path, note_size_limit(course))
        except OSError as error:
            results[path] = _unreadable(path, error)
            continue
        file_digest = digest(data)
        hit = cache.lookup(str(path.absolute()), file_digest)
        if hit is None:
            todo.append(path)
            sizes[path] = len(data)
            continue
        display = display_path(path)
        findings = [
            f if f.path == display else dataclasses.replace(f, path=display) for f in hit.findings
        ]
        results[path] = dataclasses.replace(hit, findings=findings, cached=True)
    workers = jobs if jobs is not None else min(os.cpu_count() or 1, 8)
    if workers > 1 and len(todo) >= PARALLEL_THRESHOLD:
        if not sizes:
            sizes = {path: _size(path) for path in todo}
        init = (course, docs, contents_file, select)
        for result in _run_parallel(todo, sizes, workers, ctx, settings, init):
            results[Path(result.key)] = result
    else:
        for path in todo:
            results[path] = _check_file(path, ctx, settings)
    ordered = [results.get(path) or results[Path(str(path.absolute()))] for path in files]
    if cache is not None:
        cache.save(ordered, ctx.new_hashes())
    report = Report(files=[display_path(path) for path in files])
    report.cached = sum(1 for result in ordered if result.cached)
    slim_docs: list[NoteDocument] = []
    pragmas_of: dict[str, tuple] = {}
    for result in ordered:
        report.findings.extend(result.findings)
        if result.doc is not None and result.doc.too_large is None:  # unread: no facts
            slim_docs.append(result.doc)
            if result.doc.rel_path:
                pragmas_of[result.doc.rel_path] = result.pragmas
    course_rules = [s for s in settings.values() if s.enabled and s.rule.scope == "course"]
    extras: dict[str, tuple[NoteDocument, list[Finding]]] = {}
    if course_rules or any(d.language not in (None, ctx.source_language) for d in slim_docs):
        extras = _load_sources(ctx, slim_docs, settings)
    if course_rules:
        if settings["TR005"].enabled and any(
            d.language not in (None, ctx.source_language) for d in slim_docs
        ):
            ctx.git_times = git_times(docs)
        for setting in course_rules:
            for hit in _run_rule(setting, slim_docs, ctx):
                rel = hit.path
                display = display_path(docs / rel) if rel else display_path(docs)
                finding = _finding(setting, hit, display)
                if rel in pragmas_of and _suppressed(finding, pragmas_of[rel]):
                    continue
                report.findings.append(finding)
    report.findings.sort(key=Finding.sort_key)
    _inherited(report, slim_docs, extras, course_rules, ctx)
    return report


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def check_text(
    text: str | bytes, course: Course, *, path: Path | None = None, select: list[str] | None = None
) -> list[Finding]:
    """Note rules on in-memory text (course rules need files and are skipped)."""
    settings = resolve_rules(course, select)
    docs = Path(course.docs_dir)
    doc = parse_note(text, path=path, docs_dir=docs, course=course)
    ctx = Context(course, docs)
    return check_document(doc, ctx, settings, str(path or "<text>"))
