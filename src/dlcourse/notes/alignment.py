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
(subsection, start window, end window), and the forward–backward sums give each subsection's
start a posterior distribution. A subsection's proposed start is its start in the best
segmentation; its confidence is the posterior probability that it starts within
:attr:`AlignSettings.tolerance` seconds of there, computed at a flatter
:attr:`AlignSettings.confidence_temperature` so that it is calibrated (measured leave one week
out on the 2020 sample: ``benchmarks/notes_timestamps.py``).
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
    confidence_temperature: float = 1.0  # > 1 flattens the posterior behind the confidence


@dataclass(frozen=True)
class Placement:
    seconds: float
    confidence: float


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


def _segment(
    emission: np.ndarray,
    expected: np.ndarray,
    before: np.ndarray,
    settings: AlignSettings,
    scale: float = 1.0,
) -> tuple[list[int], np.ndarray]:
    """Best start window of each subsection and the posterior of every start ([T+1, K]).
    All scores are divided by ``scale`` (a flatter posterior for ``scale`` > 1)."""
    T, K = emission.shape
    null = np.log(1.0 / K) / scale  # a window outside the note fits no subsection better
    cumulative = np.vstack([np.zeros((1, K)), np.cumsum(emission, axis=0)]) / scale
    index = np.arange(T + 1)
    duration = index[None, :] - index[:, None]  # [start, end]
    valid = duration > 0
    log_duration = np.log(np.maximum(duration, 1).astype(float))
    weight = settings.duration_weight / (2 * settings.duration_spread**2) / scale
    alpha = np.full((K + 1, T + 1), _NEG)
    best = np.full((K + 1, T + 1), _NEG)
    back = np.zeros((K + 1, T + 1), dtype=int)
    alpha[0] = best[0] = null * index + before / scale
    segments = []
    for k in range(K):
        prior = -weight * (log_duration - np.log(max(expected[k], 1.0))) ** 2
        segment = cumulative[None, :, k] - cumulative[:, None, k] + prior
        segment = np.where(valid, segment, _NEG)  # [start, end]
        segments.append(segment)
        alpha[k + 1] = np.logaddexp.reduce(alpha[k][:, None] + segment, axis=0)
        candidates = best[k][:, None] + segment
        back[k + 1] = candidates.argmax(axis=0)
        best[k + 1] = candidates.max(axis=0)
    beta = np.full((K + 1, T + 1), _NEG)
    beta[K] = null * (T - index)
    for k in range(K - 1, -1, -1):
        beta[k] = np.logaddexp.reduce(segments[k] + beta[k + 1][None, :], axis=1)
    total = np.logaddexp.reduce(alpha[K] + beta[K])
    # subsection k starts at window s exactly when subsection k-1 (or the opening) ends there
    posterior = np.exp(np.clip(alpha[:K] + beta[:K] - total, -700.0, 0.0)).T
    end = int((best[K] + null * (T - index)).argmax())
    starts = [0] * K
    for k in range(K, 0, -1):
        end = int(back[k, end])
        starts[k - 1] = end
    return starts, posterior


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
    emission = scores - np.logaddexp.reduce(scores, axis=1, keepdims=True)
    share = np.asarray(words, dtype=float)
    expected = settings.coverage * T * share / share.sum()
    if opens_video and settings.intro > 0:
        seconds = np.maximum(np.arange(T + 1) * settings.stride, settings.stride / 2)
        before = -settings.intro_weight * (np.log(seconds) - np.log(settings.intro)) ** 2 / 2
    else:
        before = np.zeros(T + 1)
    best, _ = _segment(emission, expected, before, settings)
    _, posterior = _segment(emission, expected, before, settings, settings.confidence_temperature)
    reach = int(settings.tolerance // settings.stride)
    placements = []
    for k, start in enumerate(best):
        mass = posterior[max(0, start - reach) : start + reach + 1, k].sum()
        at = float(found.starts[min(start, T - 1)])
        placements.append(Placement(at, float(min(1.0, mass))))
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
