"""Speech recognition as sequence recognition: CTC, greedy and beam decoding, word error rate.

The spoken-digits lab classified one word per clip. Real speech is a *sequence* of words of unknown
length, and nobody marks where one ends and the next begins. Connectionist temporal classification
(CTC; Graves et al., 2006) trains a network that reads the spectrogram frame by frame and emits a
letter — or *blank*, "nothing new here" — at every frame, without any alignment: the loss sums the
probability of every frame-by-frame path that collapses to the transcript (merge repeated letters,
then drop blanks: ``tt-h-rr-ee`` → ``three``). This sum over alignments is the same
dynamic-programming lattice that structured prediction and energy-based factor graphs are built on.

1. **Data.** Phrases of one to four words — the ten digits and ten command words — synthesised
   offline by ``espeak-ng`` with many voice variants, accents, speeds and pitches, under noise.
   Test phrases are spoken by voice variants never heard in training.
2. **Features.** Log-mel spectrograms (the shared ``audio.log_mel``), normalised per phrase:
   ``[phrases, mels, frames]``.
3. **Model.** A stack of 1-D convolutions over time (as in wav2letter): the first halves the frame
   rate, dilated ones widen the view to most of a second; a 1×1 convolution gives letter scores
   ``[phrases, letters + blank, frames / 2]``.
4. **Loss.** ``ctc_loss`` against the letters of the transcript, spaces included.
5. **Decoding.** *Greedy*: the best symbol at every frame, collapsed. *Beam search* over prefixes
   (Hannun et al.'s CTC prefix search): keeps the ``beam`` most probable transcripts, summing
   over the paths that spell each one; optionally it may only spell words of the vocabulary (a
   lexicon), which turns near-misses into real words.
6. **Word error rate** on the held-out voices: (substitutions + deletions + insertions) / words.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from dlcourse.labs.audio import log_mel
from dlcourse.labs.data.speech import (
    TEST_VARIANTS,
    TRAIN_VARIANTS,
    cache_folder,
    speaker_takes,
    synthesise_scripts,
)  # fmt: skip
from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext

DIGITS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")
COMMANDS = ("yes", "no", "up", "down", "left", "right", "on", "off", "stop", "go")
VOCABULARY = DIGITS + COMMANDS
BLANK = "-"
ALPHABET = BLANK + " " + "abcdefghijklmnopqrstuvwxyz"  # index 0 is CTC's blank


@dataclass(frozen=True)
class Config:
    train_speakers: int = 18  # the first N of TRAIN_VARIANTS (the spoken-digits lab's voices)
    test_speakers: int = 8  # the first N of TEST_VARIANTS, voices never heard in training
    takes: int = 4  # takes per voice, each with its own accent, speed and pitch
    phrases: int = 16  # phrases per take
    max_words: int = 4
    speed: tuple[int, int] = (120, 220)  # words per minute
    pitch: tuple[int, int] = (20, 80)
    snr_db: tuple[float, float] = (10.0, 30.0)
    sample_rate: int = 11025
    n_fft: int = 256
    hop: int = 128  # 86 frames a second; the model halves it
    n_mels: int = 40
    channels: int = 96
    epochs: int = 60
    batch_size: int = 32
    lr: float = 2e-3
    beam: int = 8
    synthesiser: str = "espeak-ng"
    cache: str = ""  # where takes are cached; "" = the run's output folder, else a temp dir


CONFIGS = {
    # Shorter phrases, fewer of them and a narrower beam than the full config's; twice the rate
    # makes up for the fewer steps.
    "quick": Config(
        train_speakers=12,
        test_speakers=4,
        takes=2,
        phrases=12,
        max_words=3,
        channels=64,
        epochs=25,
        lr=4e-3,
        beam=4,
    ),
    "full": Config(),
}


# -- 1. data --------------------------------------------------------------------------------------


def random_phrases(count: int, max_words: int, generator: np.random.Generator) -> tuple[str, ...]:
    """``count`` phrases of 1 … ``max_words`` words drawn from the vocabulary."""
    lengths = generator.integers(1, max_words + 1, size=count)
    return tuple(" ".join(generator.choice(VOCABULARY, size=n)) for n in lengths)


def encode(text: str) -> list[int]:
    return [ALPHABET.index(c) for c in text]


def decode_ids(ids: list[int]) -> str:
    return "".join(ALPHABET[i] for i in ids)


@dataclass(frozen=True)
class Utterances:
    features: torch.Tensor  # [n, mels, frames], zero-padded at the end
    frames: torch.Tensor  # [n] true lengths
    targets: torch.Tensor  # [n, letters], zero-padded (0 is the blank, never a letter)
    target_lengths: torch.Tensor  # [n]
    texts: list[str]
    speakers: list[str]


def make_utterances(
    variants: tuple[str, ...], cfg: Config, cache: Path, offset: int, ctx: RunContext
) -> Utterances:
    """Synthesise (or read from the cache) each voice's phrases; add noise; log-mel features."""
    rng = ctx.rng(offset)
    takes = speaker_takes(variants, cfg.takes, cfg.speed, cfg.pitch, rng)
    scripts = [random_phrases(cfg.phrases, cfg.max_words, rng) for _ in takes]
    spoken, rate = synthesise_scripts(takes, scripts, cache, cfg.synthesiser)
    step = rate // cfg.sample_rate  # 22,050 → 11,025 Hz: average neighbouring samples
    noise = ctx.generator(offset)
    features, texts, speakers = [], [], []
    for take, script, audio_list in zip(takes, scripts, spoken, strict=True):
        for text, audio in zip(script, audio_list, strict=True):
            wave = torch.as_tensor(audio[: len(audio) // step * step].reshape(-1, step).mean(1))
            wave = F.pad(wave.float(), (cfg.hop, cfg.hop))  # a little silence on each side
            snr_db = cfg.snr_db[0] + (cfg.snr_db[1] - cfg.snr_db[0]) * float(
                torch.rand((), generator=noise)
            )
            std = wave.pow(2).mean().sqrt() * 10 ** (-snr_db / 20)
            wave = wave + std * torch.randn(len(wave), generator=noise)
            spec = log_mel(wave, cfg.sample_rate, cfg.n_fft, cfg.n_mels, cfg.hop)  # [mels, T]
            features.append((spec - spec.mean()) / spec.std())
            texts.append(text)
            speakers.append(take.variant)
    frames = torch.tensor([f.shape[1] for f in features])
    padded = torch.zeros(len(features), cfg.n_mels, int(frames.max()))
    for i, f in enumerate(features):
        padded[i, :, : f.shape[1]] = f
    letters = [encode(t) for t in texts]
    targets = torch.zeros(len(letters), max(map(len, letters)), dtype=torch.long)
    for i, ids in enumerate(letters):
        targets[i, : len(ids)] = torch.tensor(ids)
    lengths = torch.tensor([len(ids) for ids in letters])
    return Utterances(padded, frames, targets, lengths, texts, speakers)


# -- 2. model -------------------------------------------------------------------------------------


class ConvCTC(nn.Module):
    """1-D convolutions over time: ``[b, mels, T]`` → letter log-probabilities ``[b, C, T/2]``."""

    def __init__(self, n_mels: int, channels: int, classes: int = len(ALPHABET)) -> None:
        super().__init__()

        def block(c_in: int, c_out: int, kernel: int, stride: int = 1, dilation: int = 1):
            padding = dilation * (kernel - 1) // 2  # "same" length (halved when stride 2)
            return nn.Sequential(
                nn.Conv1d(c_in, c_out, kernel, stride, padding, dilation),
                nn.BatchNorm1d(c_out),
                nn.ReLU(),
            )

        c = channels
        self.net = nn.Sequential(
            block(n_mels, c, 5, stride=2),  # [b, c, T/2]: 43 frames a second
            block(c, c, 5, dilation=2),  # each layer sees further back and ahead
            block(c, c, 5, dilation=4),
            block(c, c, 5, dilation=2),
            nn.Conv1d(c, classes, 1),  # [b, C, T/2]: scores of blank, space and the letters
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.log_softmax(self.net(x).float(), dim=1)

    @staticmethod
    def output_frames(frames: torch.Tensor) -> torch.Tensor:
        return (frames - 1) // 2 + 1  # the stride-2 convolution with padding 2, kernel 5


# -- 3. training ----------------------------------------------------------------------------------


def train(data: Utterances, cfg: Config, ctx: RunContext) -> tuple[nn.Module, list[float]]:
    """Adam on the CTC loss; the mean loss of every epoch."""
    torch.manual_seed(ctx.seed)
    model = ctx.wrap(ConvCTC(cfg.n_mels, cfg.channels))
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.lr)
    batches = ctx.batches(
        data.features, data.frames, data.targets, data.target_lengths, batch_size=cfg.batch_size
    )
    losses = torch.empty(cfg.epochs, len(batches), device=ctx.device)  # [epochs, steps]
    model.train()
    for epoch in ctx.track(range(cfg.epochs), "CTC"):
        for step, (x, frames, targets, target_lengths) in enumerate(batches):
            with ctx.autocast():
                log_probs = model(x)  # 1. forward: [b, C, T']
                loss = F.ctc_loss(  # 2. loss: −log Σ over alignments, per letter of target
                    log_probs.permute(2, 0, 1).float(),  # ctc_loss wants [T', b, C]
                    targets,
                    ConvCTC.output_frames(frames),
                    target_lengths,
                    blank=0,
                    zero_infinity=True,  # a phrase too long for its frames adds nothing
                )
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
            losses[epoch, step] = loss.detach()
    return model, ctx.mean_across_ranks(losses.mean(1).tolist())


# -- 4. decoding ----------------------------------------------------------------------------------


def greedy_decode(log_probs: torch.Tensor) -> str:
    """The best symbol at every frame ``[C, T]``; merge repeats, then drop blanks."""
    best = log_probs.argmax(0).tolist()
    merged = [s for t, s in enumerate(best) if t == 0 or s != best[t - 1]]
    return decode_ids([s for s in merged if s != 0]).strip()


def _logsumexp(a: float, b: float) -> float:
    if a == -math.inf:
        return b
    if b == -math.inf:
        return a
    high = max(a, b)
    return high + math.log(math.exp(a - high) + math.exp(b - high))


class Lexicon:
    """The words a phrase may contain, and every prefix of them, for a constrained search."""

    def __init__(self, words: tuple[str, ...]) -> None:
        self.words = set(words)
        self.prefixes = {w[:k] for w in words for k in range(len(w) + 1)}

    def allows(self, text: str, final: bool = False) -> bool:
        """Whether ``text`` can still grow into words of the lexicon (or is made of them)."""
        *complete, partial = text.split(" ")
        if any(w not in self.words for w in complete if w):
            return False
        return partial in self.words if final and partial else partial in self.prefixes


def beam_decode(log_probs: torch.Tensor, beam: int, lexicon: Lexicon | None = None) -> str:
    """CTC prefix beam search over ``[C, T]`` log-probabilities.

    Each prefix keeps two numbers: the log-probability of all paths that spell it and end in a
    blank, and of those that end in its last letter (a repeated letter only extends the prefix
    after a blank). Only the ``beam`` best prefixes survive each frame; only the symbols that
    hold most of a frame's probability are tried.
    """
    # The six likeliest symbols of every frame, as Python numbers: the search below is plain
    # Python, and indexing a tensor once per prefix and symbol cost more than the search itself.
    top = log_probs.double().topk(min(6, log_probs.shape[0]), dim=0)
    top_scores, top_symbols = top.values.T.tolist(), top.indices.T.tolist()  # [T][6] each
    beams: dict[str, tuple[float, float]] = {"": (0.0, -math.inf)}  # prefix → (blank, letter)
    for scores, symbols in zip(top_scores, top_symbols, strict=True):
        frame = dict(zip(symbols, scores, strict=True))
        candidates = [s for s, p in frame.items() if p > -12.0]
        nxt: dict[str, list[float]] = defaultdict(lambda: [-math.inf, -math.inf])
        for prefix, (p_blank, p_letter) in beams.items():
            total = _logsumexp(p_blank, p_letter)
            for s in candidates:
                p = frame[s]
                if s == 0:  # blank: the prefix stays, now ending in a blank
                    nxt[prefix][0] = _logsumexp(nxt[prefix][0], total + p)
                    continue
                letter = ALPHABET[s]
                grown = prefix + letter
                if prefix and prefix[-1] == letter:
                    # the same letter again: without a blank between, it is the same letter
                    nxt[prefix][1] = _logsumexp(nxt[prefix][1], p_letter + p)
                    if lexicon is None or lexicon.allows(grown):
                        nxt[grown][1] = _logsumexp(nxt[grown][1], p_blank + p)
                elif lexicon is None or lexicon.allows(grown):
                    nxt[grown][1] = _logsumexp(nxt[grown][1], total + p)
        if not nxt:
            # every likely symbol of this frame would spell a non-word (and blank is unlikely):
            # the lexicon allows no path through it, so the frame is skipped, not the phrase
            continue
        ranked = sorted(nxt.items(), key=lambda kv: _logsumexp(*kv[1]), reverse=True)
        beams = {prefix: (b, n) for prefix, (b, n) in ranked[:beam]}
    finals = [
        (prefix, _logsumexp(*scores))
        for prefix, scores in beams.items()
        if lexicon is None or lexicon.allows(prefix.strip(), final=True)
    ]
    if not finals:  # the lexicon ruled everything out: fall back to the unconstrained best
        finals = [(prefix, _logsumexp(*scores)) for prefix, scores in beams.items()]
    return " ".join(max(finals, key=lambda f: f[1])[0].split())


def word_errors(reference: str, hypothesis: str) -> int:
    """Levenshtein distance between the word sequences: substitutions + deletions + insertions."""
    ref, hyp = reference.split(), hypothesis.split()
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (r != h))
    return row[-1]


def word_error_rate(references: list[str], hypotheses: list[str]) -> float:
    errors = sum(word_errors(r, h) for r, h in zip(references, hypotheses, strict=True))
    return errors / sum(len(r.split()) for r in references)


@torch.no_grad()
def transcribe(
    model: nn.Module, data: Utterances, cfg: Config, device: torch.device, beams: bool = True
) -> dict[str, list[str]]:
    """Greedy transcripts of every utterance; with ``beams``, also beam and lexicon-beam ones."""
    model.eval()
    log_probs = torch.cat(
        [model(data.features[i : i + 64].to(device)).cpu() for i in range(0, len(data.texts), 64)]
    )  # [n, C, T']
    lengths = ConvCTC.output_frames(data.frames)
    lexicon = Lexicon(VOCABULARY)
    out: dict[str, list[str]] = {"greedy": []}
    if beams:
        out.update(beam=[], beam_lexicon=[])
    for i, length in enumerate(lengths.tolist()):
        lp = log_probs[i, :, :length]
        out["greedy"].append(greedy_decode(lp))
        if beams:
            out["beam"].append(beam_decode(lp, cfg.beam))
            out["beam_lexicon"].append(beam_decode(lp, cfg.beam, lexicon))
    return out


# -- 5. the lab -----------------------------------------------------------------------------------


def plot_results(
    data: Utterances, model: nn.Module, hypotheses: dict, losses: list[float], ctx: RunContext
) -> None:
    """One held-out phrase: spectrogram, per-frame letter probabilities, transcripts; the loss."""
    with torch.no_grad():
        model.eval()
        log_probs = model(data.features[:1].to(ctx.device)).cpu()[0]  # [C, T']
    frames = int(data.frames[0])
    fig, axes = subplots(3, 1, size=3)
    fig.set_size_inches(9, 7)
    axes[0][0].imshow(data.features[0, :, :frames].numpy(), origin="lower", aspect="auto")
    said, heard = data.texts[0], hypotheses["greedy"][0]
    axes[0][0].set_title(
        f"held-out voice {data.speakers[0]}: “{said}” → greedy “{heard}”", fontsize=9
    )
    axes[0][0].set_ylabel("mel band")
    probs = log_probs[:, : int(ConvCTC.output_frames(torch.tensor(frames)))].exp()
    axes[1][0].imshow(probs.numpy(), aspect="auto", cmap="Greys", interpolation="nearest")
    axes[1][0].set_yticks(range(len(ALPHABET)), list(ALPHABET.replace(" ", "␣")), fontsize=5)
    axes[1][0].set_xlabel("output frame (23 ms)")
    axes[1][0].set_title("P(symbol | frame): mostly blank (-), a spike per letter", fontsize=9)
    axes[2][0].plot(losses)
    axes[2][0].set_xlabel("epoch")
    axes[2][0].set_title("CTC loss", fontsize=9)
    fig.tight_layout()
    ctx.save_figure(fig, "ctc")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    train_variants = TRAIN_VARIANTS[: cfg.train_speakers]
    test_variants = TEST_VARIANTS[: cfg.test_speakers]
    assert not set(train_variants) & set(test_variants), "test voices must be new voices"
    cache = cache_folder(cfg.cache, ctx.out, "speech-recognition")
    train_set = make_utterances(train_variants, cfg, cache, 1, ctx)
    test_set = make_utterances(test_variants, cfg, cache, 2, ctx)
    model, losses = train(train_set, cfg, ctx)
    hypotheses = transcribe(model, test_set, cfg, ctx.device)
    on_train = transcribe(model, train_set, cfg, ctx.device, beams=False)["greedy"]
    if ctx.is_main:
        plot_results(test_set, model, hypotheses, losses, ctx)
    wer = {name: word_error_rate(test_set.texts, hyp) for name, hyp in hypotheses.items()}
    per_speaker = {
        v: word_error_rate(
            [t for t, s in zip(test_set.texts, test_set.speakers, strict=True) if s == v],
            [h for h, s in zip(hypotheses["greedy"], test_set.speakers, strict=True) if s == v],
        )
        for v in test_variants
    }
    exact = [h == t for h, t in zip(hypotheses["beam_lexicon"], test_set.texts, strict=True)]
    return {
        "wer_greedy": wer["greedy"],
        "wer_beam": wer["beam"],
        "wer_beam_lexicon": wer["beam_lexicon"],
        "wer_train_greedy": word_error_rate(train_set.texts, on_train),
        "phrases_exact_beam_lexicon": sum(exact) / len(exact),
        "wer_greedy_per_speaker": per_speaker,
        "train_phrases": len(train_set.texts),
        "test_phrases": len(test_set.texts),
        "train_speakers": list(train_variants),
        "test_speakers": list(test_variants),
        "examples": [
            {"truth": t, "greedy": g, "beam_lexicon": b}
            for t, g, b in list(
                zip(test_set.texts, hypotheses["greedy"], hypotheses["beam_lexicon"], strict=True)
            )[:5]
        ],
        "loss_curve": losses,
    }
