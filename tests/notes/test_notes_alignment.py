"""The alignment model on a transcript whose answer is known."""

from __future__ import annotations

import itertools

from dlcourse.notes.alignment import AlignSettings, align_sections
from dlcourse.notes.propose import tokens
from dlcourse.notes.transcript import Cue

TOPICS = {
    "intro": "welcome everybody announcements homework deadline piazza office hours",
    "energy": "energy function minimise latent variable inference contrastive margin",
    "graphs": "graph node edge adjacency laplacian spectral convolution neighbourhood",
    "speech": "speech audio waveform spectrogram phoneme recognition microphone frequency",
}


def transcript(plan: list[tuple[str, float, float]]) -> list[Cue]:
    """4-second cues cycling through each topic's words over its time span."""
    cues = []
    for topic, start, end in plan:
        words = itertools.cycle(TOPICS[topic].split())
        at = start
        while at < end:
            cues.append(Cue(at, at + 4.0, " ".join(next(words) for _ in range(6)), 1))
            at += 4.0
    return cues


def note(topic: str) -> str:
    return f"{topic.title()}\n" + " ".join([TOPICS[topic]] * 8)


def test_sections_start_where_their_words_start():
    cues = transcript([("intro", 0, 120), ("energy", 120, 900), ("graphs", 900, 1500),
                       ("speech", 1500, 2400)])  # fmt: skip
    texts = [note("energy"), note("graphs"), note("speech")]
    placements = align_sections(texts, [300, 250, 350], cues, tokens)
    starts = [p.seconds for p in placements]
    assert all(abs(got - want) <= 30 for got, want in zip(starts, [120, 900, 1500], strict=True))
    assert all(p.confidence >= 0.6 for p in placements)  # unmistakable evidence


def test_confidence_falls_where_the_transcript_says_nothing():
    # the middle topic's talk uses none of its words: its start is a guess between neighbours
    texts = [note("energy"), note("graphs"), note("speech")]
    spoken = transcript([("energy", 0, 900), ("graphs", 900, 1500), ("speech", 1500, 2400)])
    silent = transcript([("energy", 0, 900), ("intro", 900, 1500), ("speech", 1500, 2400)])
    clear = align_sections(texts, [300, 250, 350], spoken, tokens)[1]
    guess = align_sections(texts, [300, 250, 350], silent, tokens)[1]
    assert guess.confidence < 0.6 <= clear.confidence


def test_a_flatter_posterior_lowers_confidence_not_placement():
    cues = transcript([("intro", 0, 60), ("energy", 60, 700), ("graphs", 700, 1400)])
    texts = [note("energy"), note("graphs")]
    sharp = align_sections(texts, [300, 300], cues, tokens)
    flat = align_sections(texts, [300, 300], cues, tokens, AlignSettings(confidence_temperature=50))
    assert [p.seconds for p in sharp] == [p.seconds for p in flat]
    assert all(f.confidence <= s.confidence for f, s in zip(flat, sharp, strict=True))
