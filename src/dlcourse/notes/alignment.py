"""Where each subsection of a note starts in its lecture's transcript.

The whole note is aligned with the whole transcript at once, monotonically: the transcript is cut
into overlapping windows (:attr:`AlignSettings.window` seconds every ``stride``), and a
segmentation labels the windows, in order, *before the note*, subsection 1, …, subsection K,
*after the note*. Each labelling is scored by

* how well each window's words fit its subsection: the log-likelihood of the window's words
  under the subsection's word distribution (Dirichlet-smoothed with the words of the whole
  transcript and note), turned into a distribution over subsections per window (a log-softmax
  at a temperature) so that a window is judged by which subsection it fits *best*; windows
  before and after the note fit any subsection equally badly;
* how long each subsection lasts against what its length in words predicts (subsections share
  the covered part of the video in proportion to their words; a log-normal prior on each
  duration), and how long the talk runs before the first subsection (a log-normal prior around
  :attr:`AlignSettings.intro` seconds: lecturers open with announcements).

This is a hidden semi-Markov model: the best segmentation comes from dynamic programming over
(subsection, start window, end window). A subsection's proposed start is its start in the best
segmentation. Its *margin* is how much better that segmentation scores than the best one in
which the subsection starts more than :attr:`AlignSettings.tolerance` seconds away (the
max-marginals of a forward and a backward pass): a start the words pin down has a wide margin,
one that a neighbour's words or the duration priors could as well put elsewhere a narrow one.
The *confidence* is what a margin stands for on writers' own stamps, the share of proposals with
such a margin that landed within the tolerance, counted conservatively (:func:`fit_confidence`;
the shipped steps and their leave-one-week-out check: ``benchmarks/notes_timestamps.py``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from dlcourse.notes.transcript import Cue

_NOISE = re.compile(r"https?://\S+|\{\{[^}]*\}\}|<[^>]+>")
_NEG = -1e18
_WIDE = 50.0  # the margin of a start nothing competes with (far beyond every confidence step)
# fit_confidence of the shipped settings on the 2020 sample's 39 writer stamps (weeks 1–5):
# below a margin of 0.11, 0 of 1 right; 0.11–0.5, 3 of 6; from 0.5, 29 of 32
CONFIDENCE_STEPS: tuple[tuple[float, float], ...] = ((0.093, 0.0), (0.111, 0.31), (0.499, 0.84))


@dataclass(frozen=True)
class AlignSettings:
    window: float = 30.0  # seconds of transcript per window
    stride: float = 15.0  # seconds between window starts: the resolution of a proposal
    smoothing: float = 6000.0  # Dirichlet weight (in words) of the background distribution
    temperature: float = 3.0  # divides the log-likelihoods before the softmax over subsections
    duration_spread: float = 0.4  # σ of log(duration / expected duration)
    duration_weight: float = 0.5  # weight of the duration prior against the words
    coverage: float = 0.9  # share of the transcript the note's subsections are expected to span
    intro: float = 150.0  # expected seconds of talk before a video's first subsection (0: none)
    intro_weight: float = 2.0
    tolerance: float = 60.0  # a proposal counts as right within this many seconds
    # (smallest margin, confidence) steps: fit_confidence on the 2020 sample's writer stamps
    # with these settings, as benchmarks/notes_timestamps.py prints them
    confidence_steps: tuple[tuple[float, float], ...] = CONFIDENCE_STEPS


@dataclass(frozen=True)
class Placement:
    seconds: float
    confidence: float  # how often a proposal with this margin is within ``tolerance``
    margin: float  # best segmentation starting near here against the best starting elsewhere


def confidence_of(margin: float, steps: Sequence[tuple[float, float]]) -> float:
    """The confidence of the highest step whose margin ``margin`` reaches (the lowest step's
    below them all)."""
    if not steps:
        return 0.0
    value = steps[0][1]
    for smallest, confidence in steps:
        if margin >= smallest:
            value = confidence
    return value


def _wilson_lower(right: float, total: float, z: float) -> float:
    """The share right, ``z`` standard errors down (Wilson's score interval): a step that rests
    on few proposals claims less than its raw share."""
    if total <= 0:
        return 0.0
    share = right / total
    centre = share + z * z / (2 * total)
    spread = z * np.sqrt(share * (1 - share) / total + z * z / (4 * total * total))
    return float(max(0.0, (centre - spread) / (1 + z * z / total)))


def fit_confidence(
    margins: Sequence[float], right: Sequence[bool], z: float = 1.0
) -> tuple[tuple[float, float], ...]:
    """Confidence steps ``(smallest margin, confidence)`` fitted to proposals whose answer is
    known: monotone in the margin (pool adjacent violators: a wider margin is never trusted
    less), each step's confidence the lower bound (``z`` standard errors) of its share right,
    and neighbouring steps pooled until those bounds rise — so a step backed by a handful of
    lucky proposals cannot claim a high confidence."""
    pooled: list[list[float]] = []  # [right, total, smallest margin]
    for margin, ok in sorted(zip(margins, right, strict=True)):
        pooled.append([float(ok), 1.0, float(margin)])
        while len(pooled) > 1 and _wilson_lower(*pooled[-2][:2], z) >= _wilson_lower(
            *pooled[-1][:2], z
        ):
            hits, total, _ = pooled.pop()
            pooled[-1][0] += hits
            pooled[-1][1] += total
    return tuple((round(m, 3), round(_wilson_lower(h, n, z), 3)) for h, n, m in pooled)


def clean_text(text: str) -> str:
    """Note text without what a speaker never says: URLs, Liquid, HTML tags."""
    return _NOISE.sub(" ", text)


def _windows(
    cues: Sequence[Cue], settings: AlignSettings, tokens: Callable[[str], list[str]]
) -> tuple[list[Counter], np.ndarray]:
    if not cues:
        return [], np.zeros(0)
    end = max(cue.end for cue in cues)
    starts = np.arange(0.0, end, settings.stride)
    counts: list[Counter] = []
    first = 0
    for start in starts:
        while first < len(cues) and cues[first].end < start:
            first += 1
        words: list[str] = []
        index = first
        while index < len(cues) and cues[index].start < start + settings.window:
            words.extend(tokens(cues[index].text))
            index += 1
        counts.append(Counter(words))
    return counts, starts


def _log_likelihoods(windows: list[Counter], texts: list[str], settings: AlignSettings, tokens):
    """[windows, subsections]: log-likelihood of each window's words under each subsection's
    smoothed word distribution."""
    sections = [Counter(tokens(text)) for text in texts]
    background: Counter = Counter()
    for counts in (*windows, *sections):
        background.update(counts)
    vocabulary = {word: index for index, word in enumerate(background)}
    total = sum(background.values())
    p_background = np.array([background[word] / total for word in vocabulary])
    log_p = np.empty((len(sections), len(vocabulary)))
    for k, counts in enumerate(sections):
        seen = np.zeros(len(vocabulary))
        for word, n in counts.items():
            seen[vocabulary[word]] = n
        mu = settings.smoothing
        log_p[k] = np.log((seen + mu * p_background) / (sum(counts.values()) + mu))
    bag = np.zeros((len(windows), len(vocabulary)))
    for t, counts in enumerate(windows):
        for word, n in counts.items():
            bag[t, vocabulary[word]] = n
    return bag @ log_p.T


def _logsumexp(values: np.ndarray, axis: int) -> np.ndarray:
    """log(sum(exp(values))) along ``axis``, shifted by the maximum (numpy's
    ``logaddexp.reduce`` computes the same pairwise, several times slower)."""
    top = values.max(axis=axis, keepdims=True)  # _NEG where every value is: the sum stays _NEG
    total = np.log(np.exp(values - top).sum(axis=axis, keepdims=True)) + top
    return np.squeeze(total, axis=axis)


@dataclass(frozen=True)
class Segmentation:
    """The best segmentation's start window of each subsection and the max-marginals: the
    score of the best segmentation in which subsection k starts at window s (``[K, T+1]``)."""

    starts: list[int]
    max_marginal: np.ndarray


def _segment(
    emission: np.ndarray, expected: np.ndarray, before: np.ndarray, settings: AlignSettings
) -> Segmentation:
    T, K = emission.shape
    null = np.log(1.0 / K)  # a window outside the note fits no subsection better
    cumulative = np.vstack([np.zeros((1, K)), np.cumsum(emission, axis=0)])
    index = np.arange(T + 1)
    duration = index[None, :] - index[:, None]  # [start, end]
    valid = duration > 0
    log_duration = np.log(np.maximum(duration, 1).astype(float))
    weight = settings.duration_weight / (2 * settings.duration_spread**2)
    best = np.full((K + 1, T + 1), _NEG)  # best score of the labels up to an end
    back = np.zeros((K + 1, T + 1), dtype=int)
    best[0] = null * index + before
    segments = []
    for k in range(K):
        prior = -weight * (log_duration - np.log(max(expected[k], 1.0))) ** 2
        segment = cumulative[None, :, k] - cumulative[:, None, k] + prior
        segment = np.where(valid, segment, _NEG)  # [start, end]
        segments.append(segment)
        candidates = best[k][:, None] + segment
        back[k + 1] = candidates.argmax(axis=0)
        best[k + 1] = candidates.max(axis=0)
    after = np.full((K + 1, T + 1), _NEG)  # best score of the labels from a start on
    after[K] = null * (T - index)
    for k in range(K - 1, -1, -1):
        after[k] = (segments[k] + after[k + 1][None, :]).max(axis=1)
    end = int((best[K] + after[K]).argmax())
    starts = [0] * K
    for k in range(K, 0, -1):
        end = int(back[k, end])
        starts[k - 1] = end
    # subsection k starts at window s exactly when subsection k-1 (or the opening) ends there
    return Segmentation(starts, best[:K] + after[:K])


@dataclass(frozen=True)
class Evidence:
    """What the transcript says about the texts, before any segmentation: per window, the
    log-likelihood of its words under each text (``[windows, texts]``), and window starts."""

    log_likelihood: np.ndarray
    starts: np.ndarray


def evidence(
    texts: Sequence[str],
    cues: Sequence[Cue],
    tokens: Callable[[str], list[str]],
    settings: AlignSettings | None = None,
) -> Evidence:
    """Window the transcript (``window``, ``stride``) and score every window against every
    text (``smoothing``)."""
    settings = settings or AlignSettings()
    windows, starts = _windows(cues, settings, tokens)
    if not windows or not texts:
        return Evidence(np.zeros((0, len(texts))), starts)
    cleaned = [clean_text(text) for text in texts]
    return Evidence(_log_likelihoods(windows, cleaned, settings, tokens), starts)


def place(
    found: Evidence,
    words: Sequence[int],
    settings: AlignSettings | None = None,
    *,
    opens_video: bool = True,
) -> list[Placement]:
    """Start (seconds) and confidence of each text, in order. ``words`` are the texts'
    lengths (their expected share of the talk); ``opens_video``: the first text is the first
    subsection of its video (an opening talk may come before it)."""
    settings = settings or AlignSettings()
    T = found.log_likelihood.shape[0]
    if T == 0:
        return []
    scores = found.log_likelihood / settings.temperature
    emission = scores - _logsumexp(scores, axis=1)[:, None]
    share = np.asarray(words, dtype=float)
    expected = settings.coverage * T * share / share.sum()
    if opens_video and settings.intro > 0:
        seconds = np.maximum(np.arange(T + 1) * settings.stride, settings.stride / 2)
        before = -settings.intro_weight * (np.log(seconds) - np.log(settings.intro)) ** 2 / 2
    else:
        before = np.zeros(T + 1)
    segmentation = _segment(emission, expected, before, settings)
    reach = int(settings.tolerance // settings.stride)
    placements = []
    for k, start in enumerate(segmentation.starts):
        near = slice(max(0, start - reach), start + reach + 1)
        scores = segmentation.max_marginal[k]
        elsewhere = np.concatenate([scores[: near.start], scores[near.stop :]])
        # no start elsewhere is possible at all (a very short transcript): nothing competes
        margin = float(scores[near].max() - elsewhere.max()) if elsewhere.size else _WIDE
        margin = min(margin, _WIDE)
        at = float(found.starts[min(start, T - 1)])
        placements.append(
            Placement(at, confidence_of(margin, settings.confidence_steps), round(margin, 3))
        )
    return placements


def align_sections(
    texts: Sequence[str],
    words: Sequence[int],
    cues: Sequence[Cue],
    tokens: Callable[[str], list[str]],
    settings: AlignSettings | None = None,
    *,
    opens_video: bool = True,
) -> list[Placement]:
    """:func:`place` on the :func:`evidence` of ``texts`` in ``cues``."""
    found = evidence(texts, cues, tokens, settings)
    return place(found, words, settings, opens_video=opens_video)
