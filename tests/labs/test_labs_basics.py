"""Labs that compute rather than train: exact values, compared with independent oracles."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

from dlcourse.labs import autograd as autograd_lab
from dlcourse.labs import logic_neurons


def test_logic_neurons_truth_tables_are_exact(quick_run) -> None:
    m = quick_run("logic-neurons").metrics
    rows = m["inputs_2"]
    assert m["and"] == [int(a and b) for a, b in rows]
    assert m["or"] == [int(a or b) for a, b in rows]
    assert m["nand"] == [int(not (a and b)) for a, b in rows]
    assert m["xor"] == [a ^ b for a, b in rows]
    assert m["not"] == [1, 0]
    assert m["half_adder_sum"] == [(a + b) % 2 for a, b in rows]
    assert m["half_adder_carry"] == [(a + b) // 2 for a, b in rows]
    rows3 = m["inputs_3"]
    assert m["full_adder_sum"] == [sum(r) % 2 for r in rows3]
    assert m["full_adder_carry"] == [sum(r) // 2 for r in rows3]
    # No single threshold unit gets all four XOR rows right; the best line gets three.
    assert m["single_neuron_xor_best_rows"] == 3


def test_a_single_neuron_solves_and_on_the_same_search() -> None:
    # The search itself is not broken: the same grid finds AND (control for the XOR result).
    x = logic_neurons.truth_table(2)
    assert torch.equal(logic_neurons.AND(x), torch.tensor([0.0, 0, 0, 1]))


def test_tensors_values_and_dtypes(quick_run) -> None:
    m = quick_run("tensors").metrics
    assert m["ones_dtype"] == "torch.float32"
    assert m["arange_dtype"] == "torch.int64"
    assert m["promoted_dtype"] == "torch.float32"
    assert m["half_dtype"] == "torch.float16"
    assert m["arange_sum"] == sum(range(5))
    assert m["shared_sees_change"] == 100.0 and m["copy_unchanged"] == 0.0
    assert m["from_numpy_dtype"] == "torch.float64"
    assert m["table"] == (np.arange(3)[:, None] * 10 + np.arange(4)[None]).tolist()
    assert m["column_means_after_centring"] < 1e-6
    assert m["round_trip"] == [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]


@pytest.mark.slow
def test_space_stretching_matches_numpy_svd_and_writes_figure(quick_run) -> None:
    result = quick_run("space-stretching")
    m = result.metrics
    g = torch.Generator().manual_seed(0)  # replay the lab's draws: the cloud, then each W
    torch.randn(500, 2, generator=g)
    for singular in m["singular_values"]:
        w = torch.randn(2, 2, generator=g)
        np.testing.assert_allclose(singular, np.linalg.svd(w.numpy(), compute_uv=False), rtol=1e-5)
    assert m["max_reconstruction_error"] < 1e-5
    # The stretched cloud's axes are the singular values (up to sampling noise, n = 500).
    for ratios in m["cloud_axes_over_singular_values"]:
        assert all(0.85 < r < 1.15 for r in ratios)
    assert m["folded_inside_unit_square"]
    png = [p for p in result.figures if p.name == "stretching.png"]
    assert png and png[0].stat().st_size > 10_000


def test_autograd_lab_metrics(quick_run) -> None:
    m = quick_run("autograd").metrics
    assert m["grad_a"] == m["grad_b"] == 18.0
    assert m["grad_fn_chain"] == ["MulBackward0", "AddBackward0"]
    assert m["a_is_leaf"] and not m["no_grad_requires_grad"]
    assert m["in_place_leaf_update_refused"]
    assert m["custom_function_gradcheck"]
    assert m["custom_vs_torch_max_abs_diff"] < 1e-12


def test_custom_function_gradient_equals_gradcheck_on_fresh_inputs() -> None:
    x = torch.linspace(-4, 4, 17, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(autograd_lab.SiLU.apply, (x,))
    ours = torch.autograd.grad(autograd_lab.SiLU.apply(x).sum(), x)[0]
    reference = torch.autograd.grad(torch.nn.functional.silu(x).sum(), x)[0]
    assert torch.allclose(ours, reference, atol=1e-12)


@pytest.mark.slow
def test_listening_to_kernels_detects_every_planted_event(quick_run) -> None:
    m = quick_run("listening-to-kernels").metrics
    assert len(m["detected_seconds"]) == len(m["planted_seconds"]) == 4  # no miss, no false alarm
    assert m["max_timing_error_ms"] <= 1.0
    assert abs(m["loudest_frequency_hz"] - 440.0) <= m["frequency_resolution_hz"]
    assert m["mel_shape"][0] == 40


def test_mel_filterbank_is_a_partition_of_the_covered_band() -> None:
    from dlcourse.labs.audio import mel_filterbank

    bank = mel_filterbank(129, 20, 8000)  # [mels, freqs]
    assert bank.shape == (20, 129)
    assert bank.min() >= 0 and bank.max() <= 1
    # Between the first and the last centre, neighbouring triangles sum to one.
    middle = bank.sum(0)[10:110]
    assert torch.allclose(middle, torch.ones_like(middle), atol=1e-4)


@pytest.mark.slow
def test_projections_follow_one_over_sqrt_d(quick_run) -> None:
    m = quick_run("projections").metrics
    assert all(0.85 < v < 1.15 for v in m["cosine_std_times_sqrt_d"])
    spreads = m["cosine_std"]
    assert all(a > b for a, b in itertools.pairwise(spreads))
    assert abs(m["norm_mean_over_sqrt_d"][-1] - 1) < 0.01
    assert all(abs(s - 1 / math.sqrt(2)) < 0.1 for s in m["norm_std"][1:])


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
@pytest.mark.slow
def test_hand_written_optimisers_match_torch_optim(quick_run, name: str) -> None:
    m = quick_run("optimisers").metrics
    assert m[f"{name}_max_gap_to_torch"] < 1e-5
    assert m[f"{name}_final_loss"] < 0.1 * m[f"{name}_initial_loss"]


def test_log_mel_of_a_tone_peaks_in_the_band_of_its_frequency() -> None:
    from dlcourse.labs.audio import log_mel, mel_filterbank

    rate = 8000
    t = torch.arange(rate) / rate
    tones = torch.stack([torch.sin(2 * math.pi * f * t) for f in (300.0, 2000.0)])  # [2, samples]
    spec = log_mel(tones, rate, n_fft=256, n_mels=32, hop=128)  # batched: [2, mels, frames]
    assert spec.shape == (2, 32, rate // 128 + 1)
    bank = mel_filterbank(129, 32, rate)
    for k, f in enumerate((300.0, 2000.0)):
        expected = int(bank[:, round(f / (rate / 256))].argmax())  # the band that holds f
        assert abs(int(spec[k].mean(1).argmax()) - expected) <= 1
