"""The alignment model on a transcript whose answer is known."""

from __future__ import annotations

import itertools

from dlcourse.notes.alignment import AlignSettings, align_sections, confidence_of, fit_confidence
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


def test_the_margin_is_wide_where_the_words_pin_the_start():
    texts = [note("energy"), note("graphs"), note("speech")]
    spoken = transcript([("energy", 0, 900), ("graphs", 900, 1500), ("speech", 1500, 2400)])
    silent = transcript([("energy", 0, 900), ("intro", 900, 1500), ("speech", 1500, 2400)])
    clear = align_sections(texts, [300, 250, 350], spoken, tokens)[1]
    guess = align_sections(texts, [300, 250, 350], silent, tokens)[1]
    assert guess.margin < 0.5 < clear.margin


def test_confidence_steps_change_confidence_not_placement():
    cues = transcript([("intro", 0, 60), ("energy", 60, 700), ("graphs", 700, 1400)])
    texts = [note("energy"), note("graphs")]
    shipped = align_sections(texts, [300, 300], cues, tokens)
    steps = ((0.0, 0.1), (1e6, 0.95))  # no real margin reaches the second step
    other = align_sections(texts, [300, 300], cues, tokens, AlignSettings(confidence_steps=steps))
    assert [p.seconds for p in shipped] == [p.seconds for p in other]
    assert [p.margin for p in shipped] == [p.margin for p in other]
    assert [p.confidence for p in other] == [0.1, 0.1]
    assert [p.confidence for p in shipped] != [0.1, 0.1]


def test_confidence_reads_the_highest_step_a_margin_reaches():
    steps = ((0.1, 0.0), (0.2, 0.3), (0.5, 0.84))
    assert [confidence_of(m, steps) for m in (0.0, 0.1, 0.3, 0.5, 9.0)] == [0, 0, 0.3, 0.84, 0.84]
    assert confidence_of(1.0, ()) == 0.0


def test_fitted_confidence_rises_with_the_margin_and_claims_no_more_than_it_saw():
    # 20 proposals right at wide margins, 10 at narrow ones of which 5 right, one lucky
    # proposal right at the narrowest margin of all
    margins = [3.0 + i / 10 for i in range(20)] + [0.2 + i / 100 for i in range(10)] + [0.01]
    right = [True] * 20 + [True, False] * 5 + [True]
    steps = fit_confidence(margins, right)
    confidences = [confidence for _, confidence in steps]
    assert confidences == sorted(confidences)  # monotone in the margin
    # the lone lucky proposal is pooled with its neighbours: no step claims its 1 of 1
    assert steps[0][0] == 0.01 and steps[0][1] < 0.6
    wide = confidence_of(3.0, steps)
    assert 0.85 < wide < 1.0  # 20 of 20, one standard error down: not certainty
    assert confidence_of(0.25, steps) < 0.6
    assert fit_confidence([], []) == ()
