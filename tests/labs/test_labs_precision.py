"""Mixed precision: ``--precision fp32|bf16|fp16``, and labs under autocast on the CPU.

No GPU is needed to find what breaks under AMP: the CPU autocasts to bfloat16 and (on torch 2.x)
float16 too, with the same casting rules, so a dtype clash such as ``index_add_(): self (Float)
and source (Half)`` shows up here first.
"""

from __future__ import annotations

import math

import pytest
import torch

from dlcourse.labs.catalogue import LABS, get_lab
from dlcourse.labs.device import autocast_supported, resolve_precision
from dlcourse.labs.run_context import RunContext

from .lessons import LESSONS, missing_program, trains

CPU = torch.device("cpu")
FP16_ON_CPU = autocast_supported(CPU, torch.float16)


def numbers(value):
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return
    if isinstance(value, int | float):
        yield float(value)
    elif isinstance(value, dict):
        for v in value.values():
            yield from numbers(v)
    elif isinstance(value, list):
        for v in value:
            yield from numbers(v)


def test_auto_precision_is_fp32_on_the_cpu_and_names_are_checked() -> None:
    assert resolve_precision("auto", CPU) == "fp32"
    assert resolve_precision("bf16", CPU) == "bf16"
    with pytest.raises(ValueError, match="fp32, bf16, fp16"):
        resolve_precision("fp8", CPU)


def test_fp16_gets_a_gradient_scaler_and_bf16_does_not() -> None:
    assert RunContext.create(device="cpu", precision="bf16")._scaler is None
    if FP16_ON_CPU:
        assert RunContext.create(device="cpu", precision="fp16")._scaler is not None
    fp32 = RunContext.create(device="cpu", precision="fp32")
    assert fp32._scaler is None and not fp32.amp
    with fp32.autocast():
        assert not torch.is_autocast_enabled("cpu")
    bf16 = RunContext.create(device="cpu", precision="bf16")
    with bf16.autocast():
        assert torch.is_autocast_enabled("cpu")
    assert bf16.autocast_regions == 1


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "fp16"])
def test_gated_gcn_layer_runs_and_learns_under_autocast(dtype) -> None:
    # The crash the issue found: index_add_ of 16-bit messages into an fp32 buffer.
    if not autocast_supported(CPU, dtype):
        pytest.skip(f"CPU autocast to {dtype} not supported here")
    from dlcourse.labs import gated_gcn

    cfg = gated_gcn.CONFIGS["quick"]
    graphs = gated_gcn.make_dataset(2, cfg.train_nodes, torch.Generator().manual_seed(0))
    features, edges, graph_of_node, labels = gated_gcn.collate(graphs, CPU)
    torch.manual_seed(0)
    model = gated_gcn.GatedGCN(cfg)
    with torch.autocast("cpu", dtype=dtype):
        logits = model(features, edges, graph_of_node)
    assert logits.shape == (len(graphs), len(gated_gcn.FAMILIES))
    loss = torch.nn.functional.cross_entropy(logits.float(), labels)
    loss.backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16], ids=["bf16", "fp16"])
def test_sequence_classifier_runs_and_learns_under_autocast(dtype) -> None:
    # The LSTM's recurrence leaves autocast on the CPU (lstm_autocast); the classifier stays in.
    if not autocast_supported(CPU, dtype):
        pytest.skip(f"CPU autocast to {dtype} not supported here")
    from dlcourse.labs import sequence_classification as sc

    cfg = sc.CONFIGS["quick"]
    x, y = sc.temporal_order(16, cfg, torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = sc.SequenceClassifier("lstm", cfg.hidden)
    with torch.autocast("cpu", dtype=dtype):
        logits = model(x)
    assert logits.shape == (16, 4) and logits.dtype == dtype  # the classifier layer autocast
    torch.nn.functional.cross_entropy(logits.float(), y).backward()
    assert all(p.grad is not None and torch.isfinite(p.grad).all() for p in model.parameters())


# A lab run under autocast takes the same path through RunContext whichever lab it is (autocast
# around the forward pass, the scaler's backward and step under fp16): the cheapest labs that train
# a feed-forward net (spiral), a recurrent one (echo) and a sampling generative one (vae) run it
# end to end with their quick config, lesson included. Every other lab that trains runs end to end
# too — data, model, loop, evaluation, figures — on a budget cut to a few steps (below), where a
# dtype clash or an overflow in any of its layers, losses or metrics would show; its lesson is not
# asserted (a few steps teach nothing).
AUTOCAST_LABS = ("spiral", "echo", "vae")
FEW_STEPS = {
    "regression": {"steps": "20"},
    "convnet": {"epochs": "1", "seeds": "1"},
    "spoken-digits": {"epochs": "1"},
    "sequence-classification": {"epochs": "1", "train_size": "320"},
    "autoencoder": {"epochs": "1"},
    "energy-based": {"steps": "20", "sample_steps": "10"},
    "metric-learning": {"epochs": "1"},
    "sparse-coding": {"dictionary_epochs": "1", "lista_epochs": "2", "optimal_steps": "50"},
    "gan": {"mixture_steps": "10", "digits_steps": "10", "classifier_epochs": "1"},
    "self-supervised": {"epochs": "1", "probe_steps": "20", "supervised_epochs": "2"},
    "truck-backer-upper": {
        "emulator_epochs": "1",
        "controller_iterations": "10",
        "emulator_samples": "1000",
    },
    "learning-to-drive": {"model_steps": "20", "policy_steps": "5"},
    "word-embeddings": {"min_count": "20"},
    "transformer": {"epochs": "1", "train_size": "500"},
    "gated-gcn": {"epochs": "1", "train_per_class": "5"},
    "regularisation": {"epochs": "2"},
    "bayesian-nn": {"epochs": "10"},
    "speech-recognition": {
        "epochs": "1",
        "train_speakers": "2",
        "test_speakers": "1",
        "takes": "1",
        "phrases": "4",
    },
}
# fp16 where the CPU has it: the same autocast casting rules as bf16, plus the gradient scaler and
# a narrower range, so the stricter of the two.
FEW_STEPS_PRECISION = "fp16" if FP16_ON_CPU else "bf16"


def ran_under_autocast(lab_runs, name: str, precision: str, settings: dict):
    """The lab's run at ``precision``: forward passes autocast, every number reported finite."""
    (result,) = lab_runs(name, precision=precision, settings=settings)
    assert result.precision == precision
    assert result.autocast_regions > 0, "the training loop's forward pass ran in fp32"
    values = list(numbers(result.metrics))
    assert values and all(math.isfinite(v) for v in values)
    return result


def _cases() -> list:
    cases = []
    for name in AUTOCAST_LABS:
        for precision in ("bf16", "fp16"):
            marks = [pytest.mark.slow]
            if precision == "fp16" and not FP16_ON_CPU:
                marks.append(pytest.mark.skip(reason="CPU autocast to float16 not supported"))
            cases.append(pytest.param(name, precision, {}, id=f"{name}-{precision}", marks=marks))
    return cases


@pytest.mark.parametrize(("name", "precision", "settings"), _cases())
def test_labs_run_their_quick_config_under_cpu_autocast(
    name, precision, settings, lab_runs
) -> None:
    assert trains(get_lab(name).module)
    result = ran_under_autocast(lab_runs, name, precision, settings)
    LESSONS[name](result.metrics)  # the lesson survives 16-bit arithmetic


def test_every_lab_that_trains_runs_under_autocast_here_or_above() -> None:
    training = {lab.name for lab in LABS if trains(lab.module)}
    assert training == set(AUTOCAST_LABS) | set(FEW_STEPS)
    assert not set(AUTOCAST_LABS) & set(FEW_STEPS)


def _few_steps_cases() -> list:
    cases = []
    for name, settings in FEW_STEPS.items():
        marks = [pytest.mark.slow]
        if reason := missing_program(name):
            marks.append(pytest.mark.skip(reason=reason))
        cases.append(pytest.param(name, FEW_STEPS_PRECISION, settings, id=name, marks=marks))
    return cases


@pytest.mark.parametrize(("name", "precision", "settings"), _few_steps_cases())
def test_every_lab_that_trains_runs_end_to_end_under_autocast(
    name, precision, settings, lab_runs
) -> None:
    result = ran_under_autocast(lab_runs, name, precision, settings)
    assert result.figures and all(p.is_file() for p in result.figures)
