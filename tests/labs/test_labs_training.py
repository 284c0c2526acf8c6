"""Labs that train: seeded quick runs must show the lesson, within bounds that could fail."""

from __future__ import annotations

import json

import pytest

from .lessons import LESSONS, needs_data_program


def test_spiral_linear_about_half_net_above_95(quick_run) -> None:
    result = quick_run("spiral")
    m = result.metrics
    LESSONS["spiral"](m)
    record = json.loads(result.metrics_path.read_text())
    assert record["metrics"] == m and record["config"] == "quick" and record["world_size"] == 1
    assert record["precision"] == "fp32" and record["threads"] == 1
    assert record["figures"] == ["decision_boundaries.png"]
    assert (result.metrics_path.parent / "decision_boundaries.png").stat().st_size > 10_000
    assert m["net_loss_curve"][-1] < 0.2 * m["net_loss_curve"][0]


@pytest.mark.slow
def test_regression_held_out_error_and_spread_off_data(quick_run) -> None:
    m = quick_run("regression").metrics
    LESSONS["regression"](m)
    for name in ("relu", "tanh"):
        # The held-out points come from the same patches: no over-fitting to hide.
        assert m[f"test_mse_{name}"] < 2 * m[f"train_mse_{name}"] + 0.01
        # Off the data the ensemble is wrong, and its spread says so (in part: see the docs).
        assert m[f"error_off_data_{name}"] > 5 * m[f"error_on_data_{name}"]


@pytest.mark.slow
def test_bayesian_nn_variance_higher_away_from_data(quick_run) -> None:
    LESSONS["bayesian-nn"](quick_run("bayesian-nn").metrics)


@pytest.mark.slow
def test_convnet_inductive_bias_and_permutation(quick_run) -> None:
    result = quick_run("convnet")
    m = result.metrics
    LESSONS["convnet"](m)
    assert m["cnn_accuracy"] >= 0.93
    assert len(m["per_seed"]["fc_permuted"]) == 3
    # Trained from scratch: the permuted FC net is not the unpermuted one in disguise.
    assert m["per_seed"]["fc_permuted"] != m["per_seed"]["fc"]
    assert [p.name for p in result.figures] == ["permutation.png"]


@pytest.mark.slow
def test_sequence_classification_rnn_near_chance_lstm_solves(quick_run) -> None:
    m = quick_run("sequence-classification").metrics
    LESSONS["sequence-classification"](m)
    assert m["lstm_loss_curve"][-1] < 0.2 * m["rnn_loss_curve"][-1]


@pytest.mark.slow
def test_echo_truncated_bptt_learns_the_echo(quick_run) -> None:
    LESSONS["echo"](quick_run("echo").metrics)


@pytest.mark.slow
def test_autoencoder_reconstructs_and_denoiser_beats_identity(quick_run) -> None:
    LESSONS["autoencoder"](quick_run("autoencoder").metrics)


@pytest.mark.slow
def test_vae_elbo_improves_and_figure_written(quick_run) -> None:
    result = quick_run("vae")
    LESSONS["vae"](result.metrics)
    assert [p.name for p in result.figures] == ["vae.png"]


@pytest.mark.slow
def test_regularisation_reports_test_documents_early_stopping_chose_nothing_with(
    quick_run,
) -> None:
    m = quick_run("regularisation").metrics
    LESSONS["regularisation"](m)
    assert m["validation_documents"] == m["test_documents"] == 1000
    # Early stopping is the unregularised run rolled back to its best validation epoch,
    # long before the end (the quick config trains 30 epochs).
    assert m["early_stopping_best_val_epoch"] == m["none_best_val_epoch"] < 20


@pytest.mark.slow
def test_truck_emulator_accurate_and_controller_docks(quick_run) -> None:
    LESSONS["truck-backer-upper"](quick_run("truck-backer-upper").metrics)


@pytest.mark.slow
def test_transformer_beats_its_bag_of_words_baselines(quick_run) -> None:
    m = quick_run("transformer").metrics
    LESSONS["transformer"](m)
    assert m["bag_of_words_logistic_test_accuracy"] > m["majority_class"]  # words do help


@pytest.mark.slow
def test_gated_gcn_generalises_to_larger_graphs(quick_run) -> None:
    m = quick_run("gated-gcn").metrics
    LESSONS["gated-gcn"](m)
    confusion = m["confusion"]
    assert sum(map(sum, confusion)) == 8 * 20


def test_every_test_graph_is_larger_than_every_training_graph() -> None:
    import torch

    from dlcourse.labs import gated_gcn

    rng = torch.Generator().manual_seed(4)
    train = gated_gcn.make_dataset(10, (10, 20), rng)
    largest = max(len(g.features) for g in train)
    test = gated_gcn.make_dataset(10, (21, 35), rng, larger_than=largest)
    assert min(len(g.features) for g in test) > largest
    # Hypercubes come in 2^k nodes only: the 16-node ones were the exceptions before.
    assert all(len(g.features) == 32 for g in test if g.label == 4)


@pytest.mark.parametrize("name", ["spiral", "echo"])
@pytest.mark.slow
def test_same_seed_same_metrics(quick_run, name: str) -> None:
    from dlcourse.labs.runner import run_lab

    again = run_lab(name, "quick", device="cpu", seed=0)
    assert again.metrics == quick_run(name).metrics


@needs_data_program("spoken-digits")
@pytest.mark.slow
def test_spoken_digits_recognised_from_voices_never_heard(quick_run) -> None:
    result = quick_run("spoken-digits")
    m = result.metrics
    LESSONS["spoken-digits"](m)  # seed 0 measured 92.5% (seeds 0-3: 91-96%), chance 10%
    assert m["test_clips"] == 4 * 2 * 10 and sum(map(sum, m["confusion"])) == m["test_clips"]
    assert m["loss_curve"][-1] < 0.3 * m["loss_curve"][0]
    assert [p.name for p in result.figures] == ["spectrograms.png", "confusion.png"]
    cached = list((result.metrics_path.parent / "speech-cache").glob("*.wav"))
    assert len(cached) == (10 + 4) * 2  # one WAV per take (speaker x take), reused next run


def test_spoken_digits_without_espeak_says_what_to_install(tmp_path) -> None:
    from dlcourse.labs.runner import run_lab

    with pytest.raises(FileNotFoundError, match="apt-get install espeak-ng"):
        run_lab(
            "spoken-digits", "quick", device="cpu", out=tmp_path,
            overrides={"synthesiser": str(tmp_path / "no-such-espeak-ng")},
        )  # fmt: skip
