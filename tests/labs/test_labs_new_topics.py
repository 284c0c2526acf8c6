"""Labs of the topics the 2020 course taught with no notebook: seeded quick runs show the lesson.

Each test asserts the lab's lesson (``lessons.py``) on one seed and the facts around it that the
lesson rests on; the slow tests assert the lessons on the median of three seeds, on one and two
threads, under mixed precision, and in the exported notebooks.
"""

from __future__ import annotations

import math

import pytest

from .lessons import LESSONS, needs_data_program


@needs_data_program("word-embeddings")
@pytest.mark.slow
def test_word_embeddings_answer_analogies_random_vectors_cannot(quick_run) -> None:
    result = quick_run("word-embeddings")
    m = result.metrics
    LESSONS["word-embeddings"](m)
    assert m["vocabulary"] > 4000 and m["tokens"] > 700_000  # the whole Bible, words seen 5 times
    # below chance: log 2 for each pair scored, the true one and each negative
    from dlcourse.labs.word_embeddings import CONFIGS

    assert m["loss_curve"][-1] < 0.9 * (1 + CONFIGS["quick"].negatives) * math.log(2)
    assert "silver" in m["nearest_words"]["gold"]
    assert [p.name for p in result.figures] == ["embeddings.png"]


def test_word_embeddings_pieces() -> None:
    import torch

    from dlcourse.labs import word_embeddings as we

    corpus = we.build_corpus(we.tokenize("a b a c a b d " * 10), min_count=10)
    assert corpus.words[:2] == ["a", "b"] and "d" in corpus.index  # d is seen 10 times
    keep = we.keep_probability(corpus.counts, 1e-3)
    assert keep[corpus.index["a"]] < keep[corpus.index["d"]] <= 1  # frequent words dropped more
    centres, _ = we.skipgram_pairs(
        corpus.ids, torch.ones(len(corpus.words)), window=1, generator=torch.Generator()
    )
    assert len(centres) == 2 * (len(corpus.ids) - 1)  # window 1, nothing dropped: both directions
    # Spearman's correlation is Pearson's on the ranks, ties sharing theirs: x ranks 1, 2.5, 2.5,
    # 4 and y 1, 3, 2, 4; centred, (−1.5, 0, 0, 1.5)·(−1.5, 0.5, −0.5, 1.5) = 4.5 over √4.5 √5.
    x, y = torch.tensor([1.0, 2, 2, 3]), torch.tensor([10.0, 30, 20, 40])
    assert we.spearman(x, y) == pytest.approx(4.5 / (4.5**0.5 * 5**0.5))
    assert we.spearman(torch.tensor([1.0, 2, 3]), torch.tensor([3.0, 2, 1])) == pytest.approx(-1)
    vectors = torch.tensor([[1.0, 0], [0, 1], [1, 1], [1, 2], [-1, 0]])
    # b - a + c = (−1, 1) + (1, 1) = (0, 2): nearest unused is word 3 (1, 2)
    assert we.analogy_accuracy(vectors, torch.tensor([[0, 1, 2, 3]])).tolist() == [True]


def test_word_embeddings_without_the_bible_says_what_to_install(tmp_path, monkeypatch) -> None:
    from dlcourse.labs.runner import run_lab

    monkeypatch.setenv("PATH", str(tmp_path))  # no `bible` here
    with pytest.raises(FileNotFoundError, match="apt-get install bible-kjv"):
        run_lab("word-embeddings", "quick", device="cpu", out=tmp_path / "out")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        run_lab(
            "word-embeddings", "quick", device="cpu",
            overrides={"corpus": f"text:{tmp_path / 'missing.txt'}"},
        )  # fmt: skip


@pytest.mark.slow
def test_metric_learning_recall_far_above_a_random_encoder(quick_run) -> None:
    result = quick_run("metric-learning")
    m = result.metrics
    LESSONS["metric-learning"](m)
    assert m["embedding_dim"] == 2
    for loss in ("contrastive", "triplet"):
        assert m[f"{loss}_recall_at_5"] >= m[f"{loss}_recall_at_1"]
        assert m[f"{loss}_loss_curve"][-1] < m[f"{loss}_loss_curve"][0]


def test_pair_sampler_draws_same_and_other_classes() -> None:
    import torch

    from dlcourse.labs.metric_learning import PairSampler, recall_at_k

    labels = torch.tensor([0, 1, 2, 0, 1, 2, 2, 2])
    sampler = PairSampler(labels, torch.Generator().manual_seed(0))
    anchors = torch.tensor([0, 1, 2, 3, 4, 5] * 50)
    assert (labels[sampler.same(labels[anchors])] == labels[anchors]).all()
    assert (labels[sampler.other(labels[anchors])] != labels[anchors]).all()
    z = torch.tensor([[0.0], [0.1], [5.0], [5.1]])
    assert recall_at_k(z, torch.tensor([0, 0, 1, 1]), (1,)) == {1: 1.0}
    assert recall_at_k(z, torch.tensor([0, 1, 0, 1]), (1,)) == {1: 0.0}


@pytest.mark.slow
def test_energy_low_on_the_ellipse_and_samples_reach_it(quick_run) -> None:
    result = quick_run("energy-based")
    LESSONS["energy-based"](result.metrics)
    assert [p.name for p in result.figures] == ["energy_surface.png"]


@pytest.mark.slow
def test_gan_covers_the_modes_and_draws_recognisable_digits(quick_run) -> None:
    m = quick_run("gan").metrics
    LESSONS["gan"](m)
    assert m["judge_test_accuracy"] >= 0.9  # the judge itself is good
    assert sum(m["digit_class_share_generated"]) == pytest.approx(1.0)


def test_gan_mode_coverage_counts_modes() -> None:
    import torch

    from dlcourse.labs.gan import Config, mode_centres, mode_coverage

    cfg = Config()
    centres = mode_centres(cfg.modes, cfg.radius)
    collapsed = centres[:1].repeat(100, 1)  # every sample on one mode
    assert mode_coverage(collapsed, cfg)["modes_covered"] == 1
    spread = centres.repeat(20, 1) + 0.01
    assert mode_coverage(spread, cfg)["modes_covered"] == cfg.modes
    assert mode_coverage(torch.zeros(10, 2), cfg)["good_sample_fraction"] == 0.0


@pytest.mark.slow
def test_simclr_probe_beats_random_encoder_and_supervised_with_few_labels(quick_run) -> None:
    m = quick_run("self-supervised").metrics
    LESSONS["self-supervised"](m)
    assert m["loss_curve"][-1] < m["loss_curve"][0]


def test_nt_xent_prefers_matching_views() -> None:
    import torch

    from dlcourse.labs.self_supervised import nt_xent

    z = torch.eye(4)  # four orthogonal images
    matched = torch.cat([z, z])  # each view identical to its partner
    shuffled = torch.cat([z, z[[1, 0, 3, 2]]])
    assert nt_xent(matched, 0.1) < 0.01 < nt_xent(shuffled, 0.1)


@pytest.mark.slow
def test_lista_reaches_istas_error_in_far_fewer_iterations(quick_run) -> None:
    result = quick_run("sparse-coding")
    m = result.metrics
    LESSONS["sparse-coding"](m)
    errors = [m["ista_error_at"][k] for k in ("1", "2", "5", "10", "20", "50", "100")]
    assert errors == sorted(errors, reverse=True)  # ISTA converges, slowly
    assert [p.name for p in result.figures] == ["ista_lista.png"]


def test_ista_matches_a_lasso_solution_checked_by_its_optimality_conditions() -> None:
    import torch

    from dlcourse.labs.sparse_coding import fista, ista, soft_threshold

    assert soft_threshold(torch.tensor([-2.0, -0.5, 0.5, 3.0]), 1.0).tolist() == [-1, 0, 0, 2]
    g = torch.Generator().manual_seed(0)
    dictionary = torch.nn.functional.normalize(torch.randn(10, 20, generator=g), dim=0)
    x = torch.randn(5, 10, generator=g)
    z = fista(x, dictionary, 0.1, 3000)
    # KKT: the residual's correlation with each atom is λ·sign(z) where z ≠ 0, within ±λ elsewhere.
    correlation = (x - z @ dictionary.T) @ dictionary
    active = z != 0
    assert torch.allclose(correlation[active], 0.1 * torch.sign(z[active]), atol=1e-4)
    assert (correlation[~active].abs() <= 0.1 + 1e-4).all()
    _, errors = ista(x, dictionary, 0.1, 3000, trace=z)
    assert errors[-1] < 1e-6 and errors[0] > errors[10] > errors[100]


@needs_data_program("speech-recognition")
@pytest.mark.slow
def test_ctc_transcribes_new_voices_and_the_lexicon_helps(quick_run) -> None:
    result = quick_run("speech-recognition")
    m = result.metrics
    LESSONS["speech-recognition"](m)
    assert m["test_phrases"] == 4 * 2 * 12
    assert [p.name for p in result.figures] == ["ctc.png"]


def test_ctc_decoders_and_word_error_rate() -> None:
    import torch

    from dlcourse.labs.speech_recognition import (
        ALPHABET,
        Lexicon,
        beam_decode,
        encode,
        greedy_decode,
        word_errors,
    )  # fmt: skip

    path = [ALPHABET.index(c) for c in "-cc--a-a-"]  # "-" is the blank
    log_probs = torch.full((len(ALPHABET), len(path)), -20.0)
    log_probs[path, range(len(path))] = 0.0
    assert greedy_decode(log_probs) == "caa"  # repeats merge; a blank separates the two a's
    assert beam_decode(log_probs, beam=4) == "caa"
    assert encode("on") == [ALPHABET.index("o"), ALPHABET.index("n")]
    lexicon = Lexicon(("on", "off"))
    assert lexicon.allows("of") and not lexicon.allows("ox")
    assert lexicon.allows("on off", final=True) and not lexicon.allows("of", final=True)
    # A frame whose every likely symbol spells a non-word ("ox") is skipped, not the phrase.
    spiky = torch.full((len(ALPHABET), 3), -20.0)
    spiky[[ALPHABET.index(c) for c in "oxn"], range(3)] = 0.0
    assert beam_decode(spiky, beam=4) == "oxn"
    assert beam_decode(spiky, beam=4, lexicon=lexicon) == "on"
    assert word_errors("one two three", "one three") == 1  # a deletion
    assert word_errors("one two", "one two two") == 1  # an insertion
    assert word_errors("yes", "no") == 1


@pytest.mark.slow
def test_uncertainty_cost_keeps_the_policy_in_distribution_and_on_the_road(quick_run) -> None:
    result = quick_run("learning-to-drive")
    m = result.metrics
    LESSONS["learning-to-drive"](m)
    # The unregularised policy is faster: it chases the target speed the drivers never drove.
    assert m["no_uncertainty_cost_mean_speed"] > m["uncertainty_cost_mean_speed"]
    assert m["no_uncertainty_cost_model_uncertainty"] > 10 * m["uncertainty_cost_model_uncertainty"]
    assert [p.name for p in result.figures] == ["driving.png"]


def test_world_slides_past_the_grip_limit() -> None:
    import torch

    from dlcourse.labs.learning_to_drive import GRIP, world_step

    # Turning as tight as the road at 10 m/s (a 100 m curve: 1 m/s² lateral) keeps the heading;
    # at 40 m/s the same curve asks 16 m/s², twice the grip: the car turns less and slides out.
    state = torch.tensor([[0.0, 0.0, 10.0, 0.01], [0.0, 0.0, 40.0, 0.01]])
    after = world_step(state, torch.tensor([[0.01, 0.0], [0.01, 0.0]]))
    assert after[0, 1].abs() < 1e-6
    assert after[1, 1] < 0 and GRIP < 40.0**2 * 0.01


def test_speech_data_checks_its_scripts_and_says_where_takes_are_cached(tmp_path) -> None:
    from dlcourse.labs.data.speech import Take, cache_folder, synthesise_scripts

    take = Take(accent="en-us", variant="m1", speed=150, pitch=50)
    with pytest.raises(ValueError, match="one script per take"):
        synthesise_scripts([take, take], [("one",)], tmp_path)
    assert cache_folder(str(tmp_path / "mine"), tmp_path / "out", "x") == tmp_path / "mine"
    assert cache_folder("", tmp_path / "out", "x") == tmp_path / "out" / "speech-cache"
    assert cache_folder("", None, "speech-recognition").name.startswith(
        "dlcourse-speech-recognition-"
    )
