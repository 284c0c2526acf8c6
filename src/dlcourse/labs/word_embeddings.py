"""Word embeddings: skip-gram with negative sampling (word2vec) on the King James Bible.

"You shall know a word by the company it keeps" (Firth, 1957). Skip-gram gives every word a vector
and trains it to tell the words that really appear around it from words drawn at random; words used
in the same company end up with nearby vectors. Nothing tells the model what a word means, yet
directions in the space come to carry meaning: the offset from *man* to *woman* is close to the
offset from *king* to *queen*, so ``king − man + woman`` lands near ``queen``.

1. **Data.** The King James Bible (public domain; Debian's ``bible-kjv`` package), lower-cased
   words: 790,000 of them, 5,300 distinct words seen at least five times. Very frequent words
   (*the*, *and*, *of*) are randomly dropped, as in word2vec, so the rarer words get the updates.
2. **Pairs.** Each remaining word is a *centre*; each word up to ``window`` places away is a
   *context* (nearer words more often: the window shrinks at random).
3. **Model.** Two tables of vectors: one for words as centres (the embeddings we keep), one for
   words as contexts.
4. **Loss.** Negative sampling: raise ``σ(u_centre · v_context)`` for the true pair and lower it
   for ``negatives`` words drawn from the unigram distribution to the power 3/4.
5. **Evaluation**, on test sets shipped offline in gensim's wheel (read as text; gensim itself is
   never imported): *analogies* (``questions-words.txt``: a : b :: c : ?, answered by the word
   nearest to ``b − a + c``; only questions whose four words the Bible uses) and *similarity*
   (WordSim-353 and SimLex-999: rank correlation between cosine similarity and people's scores).
6. **Baselines.** Random vectors (no training) and two count-based embeddings of the same
   dimension: the SVD of log co-occurrence counts, and of positive pointwise mutual information
   (PPMI) — which, Levy and Goldberg showed, is what skip-gram with negative sampling implicitly
   factorises.

A Bible is a small corpus for word vectors (word2vec's were trained on billions of words), so the
analogies it can answer are few and mostly about family (*father : mother :: son : daughter*);
random vectors answer none.
"""

from __future__ import annotations

import importlib.util
import math
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from dlcourse.labs.plot import subplots
from dlcourse.labs.run_context import RunContext

BIBLE_HINT = (
    "the word-embeddings lab reads the King James Bible from Debian's bible-kjv package, and the"
    " `bible` program is not on the PATH: install it (apt-get install bible-kjv), or give any"
    " plain-text file with --set corpus=text:PATH"
)
GENSIM_HINT = (
    "the word-embeddings lab evaluates on the analogy and similarity files shipped in gensim's"
    " wheel, and gensim is not installed: pip install gensim (it is in the labs extra)"
)
FAMILY_WORDS = (
    ("man", "woman"), ("king", "queen"), ("father", "mother"), ("son", "daughter"),
    ("brother", "sister"), ("he", "she"), ("his", "her"), ("husband", "wife"),
)  # fmt: skip
PROBE_WORDS = ("king", "gold", "sheep", "egypt", "pray", "seven")


@dataclass(frozen=True)
class Config:
    corpus: str = "bible-kjv"  # or text:PATH, any plain-text file
    min_count: int = 5  # rarer words are dropped from the vocabulary
    window: int = 5  # context words on each side of the centre (at most)
    subsample: float = 1e-3  # word2vec's t: a word of frequency f is kept with √(t/f) + t/f
    negatives: int = 5  # random words per true pair
    dim: int = 100
    epochs: int = 3
    batch_size: int = 1024  # pairs per step
    lr: float = 0.025  # per pair, as word2vec's; decays linearly to zero


CONFIGS = {
    # One epoch of a narrower window with fewer negatives: a third of the full config's pairs per
    # epoch. A single epoch whose rate decays to zero learns little at word2vec's 0.025: twice
    # that answers the family analogies (0.1 diverged).
    "quick": Config(window=2, negatives=3, dim=50, epochs=1, batch_size=4096, lr=0.05),
    "full": Config(),
}


# -- 1. data ----------------------------------------------------------------------------------


def read_corpus(spec: str) -> str:
    """The text of ``bible-kjv`` (via Debian's ``bible`` program) or of ``text:PATH``."""
    if spec.startswith("text:"):
        path = Path(spec.split(":", 1)[1]).expanduser()
        if not path.is_file():
            raise FileNotFoundError(f"corpus file {path} does not exist")
        return path.read_text(encoding="utf-8", errors="replace")
    if spec != "bible-kjv":
        raise ValueError(f"unknown corpus {spec!r}: use bible-kjv or text:PATH")
    program = shutil.which("bible")
    if program is None:
        raise FileNotFoundError(BIBLE_HINT)
    # Genesis 1:1 to Revelation 22:21: every verse, one a line, each after its reference.
    done = subprocess.run(
        [program, "-f", "Gen1:1-Rev22:21"], capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or len(done.stdout) < 1_000_000:
        raise RuntimeError(f"`bible -f Gen1:1-Rev22:21` failed: {done.stderr[-300:]}")
    return re.sub(r"^\S+\s", "", done.stdout, flags=re.MULTILINE)  # drop "Ge1:1 " and the like


def tokenize(text: str) -> list[str]:
    """Lower-case words of letters only (``LORD's`` → ``lord``, ``s``)."""
    return re.findall(r"[a-z]+", text.lower())


@dataclass(frozen=True)
class Corpus:
    words: list[str]  # the vocabulary, most frequent first
    index: dict[str, int]  # word → row of the embedding tables
    counts: torch.Tensor  # [vocab] occurrences of each word
    ids: torch.Tensor  # [tokens] the text as word ids (out-of-vocabulary words removed)


def build_corpus(tokens: list[str], min_count: int) -> Corpus:
    counts = Counter(tokens)
    words = [w for w, n in counts.most_common() if n >= min_count]
    index = {w: i for i, w in enumerate(words)}
    ids = torch.tensor([index[t] for t in tokens if t in index], dtype=torch.long)
    return Corpus(words, index, torch.tensor([counts[w] for w in words]), ids)


def keep_probability(counts: torch.Tensor, subsample: float) -> torch.Tensor:
    """word2vec's subsampling: a word of frequency ``f`` survives with ``√(t/f) + t/f`` (≤ 1)."""
    frequency = counts.double() / counts.sum()
    ratio = subsample / frequency
    return torch.clamp(ratio.sqrt() + ratio, max=1.0).float()  # [vocab]


def skipgram_pairs(
    ids: torch.Tensor, keep: torch.Tensor, window: int, generator: torch.Generator
) -> tuple[torch.Tensor, torch.Tensor]:
    """(centre, context) pairs ``[pairs]``, ``[pairs]`` of one epoch.

    Frequent words are dropped first; then a word ``k`` places away is a context with probability
    ``(window − k + 1) / window`` — word2vec's randomly shrunk window, which weights near words
    more — in both directions.
    """
    kept = ids[torch.rand(len(ids), generator=generator) < keep[ids]]  # [n]
    centres, contexts = [], []
    for k in range(1, window + 1):
        chosen = torch.rand(len(kept) - k, generator=generator) < (window - k + 1) / window
        left, right = kept[:-k][chosen], kept[k:][chosen]
        centres += [left, right]
        contexts += [right, left]
    return torch.cat(centres), torch.cat(contexts)


def noise_table(counts: torch.Tensor, size: int = 1_000_000) -> torch.Tensor:
    """word2vec's table: word ids in proportion to ``count^¾``; a uniform index draws a negative."""
    weights = counts.double() ** 0.75
    repeats = torch.round(weights / weights.sum() * size).long().clamp(min=1)
    return torch.repeat_interleave(torch.arange(len(counts)), repeats)  # [≈ size]


# -- 2. model and loss ----------------------------------------------------------------------------


class SkipGram(nn.Module):
    """Two embedding tables; the score of a (centre, context) pair is their dot product."""

    def __init__(self, vocab: int, dim: int) -> None:
        super().__init__()
        self.centre = nn.Embedding(vocab, dim)  # the word vectors we keep
        self.context = nn.Embedding(vocab, dim)
        # word2vec's start: small random centre vectors, zero context vectors.
        nn.init.uniform_(self.centre.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.context.weight)

    def forward(
        self, centre: torch.Tensor, context: torch.Tensor, negatives: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Scores of the true pairs ``[b]`` and of the centre with each negative ``[b, k]``."""
        u = self.centre(centre)  # [b, d]
        positive = (u * self.context(context)).sum(-1)  # [b]
        # [b, k, d] * [b, 1, d] summed over d: a dot product per negative (faster than bmm)
        negative = (self.context(negatives) * u[:, None, :]).sum(-1)  # [b, k]
        return positive, negative


def negative_sampling_loss(positive: torch.Tensor, negative: torch.Tensor) -> torch.Tensor:
    """``−log σ(s⁺) − Σ_k log σ(−s⁻_k)``, averaged over the batch."""
    return -(F.logsigmoid(positive) + F.logsigmoid(-negative).sum(-1)).mean()


# -- 3. training ----------------------------------------------------------------------------------


def train(corpus: Corpus, cfg: Config, ctx: RunContext) -> tuple[SkipGram, list[float]]:
    """SGD over the epochs' pairs, learning rate decaying linearly to zero (as word2vec does).

    word2vec's rate is per pair; our loss is a mean over ``batch_size`` pairs, so the optimiser's
    rate is ``lr × batch_size`` — the same step for each word as word2vec's, taken in batches.
    """
    model = ctx.wrap(SkipGram(len(corpus.words), cfg.dim))
    optimizer = torch.optim.SGD(model.parameters(), lr=cfg.lr * cfg.batch_size)
    keep = keep_probability(corpus.counts, cfg.subsample)
    table = noise_table(corpus.counts).to(ctx.device)
    negatives_rng = torch.Generator(device=ctx.device).manual_seed(ctx.seed + 7919 * ctx.dist.rank)
    losses: list[float] = []
    total_steps = step = 0
    for epoch in ctx.track(range(cfg.epochs), "skip-gram"):
        centres, contexts = skipgram_pairs(corpus.ids, keep, cfg.window, ctx.generator(1 + epoch))
        batches = ctx.batches(centres, contexts, batch_size=cfg.batch_size)
        total_steps = total_steps or cfg.epochs * len(batches)  # epochs differ by a few pairs
        epoch_loss = torch.zeros((), device=ctx.device)
        for centre, context in batches:  # [b], [b]
            draw = torch.randint(
                len(table), (len(centre), cfg.negatives), device=ctx.device, generator=negatives_rng
            )
            negatives = table[draw]  # [b, k]
            for group in optimizer.param_groups:
                group["lr"] = cfg.lr * cfg.batch_size * max(1e-4, 1 - step / total_steps)
            with ctx.autocast():
                positive, negative = model(centre, context, negatives)  # 1. forward
                loss = negative_sampling_loss(positive, negative)  # 2. loss
            optimizer.zero_grad(set_to_none=True)  # 3. zero the gradients
            ctx.backward(loss)  # 4. backward
            ctx.step(optimizer)  # 5. step
            epoch_loss += loss.detach()
            step += 1
        losses.append(float(epoch_loss) / len(batches))
    return model, ctx.mean_across_ranks(losses)


# -- 4. evaluation --------------------------------------------------------------------------------


def gensim_test_files() -> Path:
    """gensim's test files (analogies, WordSim-353, SimLex-999), found without importing gensim."""
    spec = importlib.util.find_spec("gensim")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(GENSIM_HINT)
    return Path(next(iter(spec.submodule_search_locations))) / "test" / "test_data"


def read_analogies(path: Path, index: dict[str, int]) -> tuple[torch.Tensor, list[str]]:
    """Questions ``a b c d`` (a : b :: c : d) with every word known: ids ``[q, 4]``, sections."""
    questions, sections, section = [], [], ""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            section = line[1:].strip()
            continue
        words = line.lower().split()
        if len(words) == 4 and all(w in index for w in words):
            questions.append([index[w] for w in words])
            sections.append(section)
    return torch.tensor(questions, dtype=torch.long).reshape(-1, 4), sections


def analogy_accuracy(vectors: torch.Tensor, questions: torch.Tensor) -> torch.Tensor:
    """Per question, whether the word nearest ``b − a + c`` (cosine; a, b, c excluded) is ``d``."""
    unit = F.normalize(vectors.float(), dim=1)  # [vocab, d]
    a, b, c, d = questions.T  # [q] each
    target = unit[b] - unit[a] + unit[c]  # [q, d]
    scores = target @ unit.T  # [q, vocab]
    scores.scatter_(1, questions[:, :3], -math.inf)  # the question's own words are not answers
    return scores.argmax(1) == d  # [q]


def read_similarity(path: Path, index: dict[str, int]) -> tuple[torch.Tensor, torch.Tensor]:
    """Word pairs both known ``[p, 2]`` and their human similarity scores ``[p]``."""
    pairs, scores = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.lower().split("\t")
        if line.startswith("#") or len(fields) < 3:
            continue
        if fields[0] in index and fields[1] in index:
            pairs.append([index[fields[0]], index[fields[1]]])
            scores.append(float(fields[2]))
    return torch.tensor(pairs, dtype=torch.long).reshape(-1, 2), torch.tensor(scores)


def ranks(values: torch.Tensor) -> torch.Tensor:
    """Ranks 1…n, ties sharing their mean rank (as Spearman's correlation wants)."""
    order = values.argsort()
    rank = torch.empty_like(values)
    rank[order] = torch.arange(1, len(values) + 1, dtype=values.dtype)
    for value in values.unique():  # ties: few, in human scores
        tied = values == value
        rank[tied] = rank[tied].mean()
    return rank


def spearman(x: torch.Tensor, y: torch.Tensor) -> float:
    """Spearman's rank correlation: Pearson's correlation of the ranks."""
    rx, ry = ranks(x.double()), ranks(y.double())
    rx, ry = rx - rx.mean(), ry - ry.mean()
    return float((rx * ry).sum() / (rx.norm() * ry.norm()))


def similarity_correlation(
    vectors: torch.Tensor, pairs: torch.Tensor, human: torch.Tensor
) -> float:
    unit = F.normalize(vectors.float(), dim=1)
    cosine = (unit[pairs[:, 0]] * unit[pairs[:, 1]]).sum(-1)  # [p]
    return spearman(cosine, human)


def cooccurrence(ids: torch.Tensor, vocab: int, window: int) -> torch.Tensor:
    """Counts ``[vocab, vocab]`` of word pairs at most ``window`` apart (the whole text)."""
    keys = [
        left * vocab + right
        for k in range(1, window + 1)
        for left, right in ((ids[:-k], ids[k:]), (ids[k:], ids[:-k]))
    ]
    counts = torch.bincount(torch.cat(keys), minlength=vocab * vocab)  # one pass, one array
    return counts.reshape(vocab, vocab).float()


def count_embeddings(counts: torch.Tensor, dim: int, seed: int) -> dict[str, torch.Tensor]:
    """Two count-based embeddings of ``dim`` dimensions: SVD of log counts and of PPMI.

    PPMI(w, c) = max(0, log P(w, c) / (P(w) P(c))), with the context distribution smoothed by the
    power ¾, as negative sampling does.
    """
    torch.manual_seed(seed)  # svd_lowrank draws a random projection
    total = counts.sum()
    p_word = counts.sum(1, keepdim=True) / total  # [vocab, 1]
    context = counts.sum(0, keepdim=True) ** 0.75
    p_context = context / context.sum()  # [1, vocab]
    pmi = torch.log(counts / total) - torch.log(p_word) - torch.log(p_context)  # log 0 = −inf
    ppmi = torch.nan_to_num(pmi.clamp(min=0), nan=0.0)  # pairs never seen: 0
    result = {}
    for name, matrix in (("log_counts_svd", torch.log1p(counts)), ("ppmi_svd", ppmi)):
        u, s, _ = torch.svd_lowrank(matrix.float(), q=dim, niter=2)
        result[name] = u * s.sqrt()  # [vocab, dim]: the symmetric split of the singular values
    return result


def nearest(vectors: torch.Tensor, corpus: Corpus, word: str, k: int = 5) -> list[str]:
    unit = F.normalize(vectors.float(), dim=1)
    scores = unit @ unit[corpus.index[word]]
    scores[corpus.index[word]] = -math.inf
    return [corpus.words[int(i)] for i in scores.topk(k).indices]


@dataclass(frozen=True)
class TestSets:
    """The questions and pairs whose words the corpus knows, read once for every embedding."""

    questions: torch.Tensor  # [q, 4] analogy questions a : b :: c : d
    sections: list[str]  # [q] their sections (family, gram7-past-tense, ...)
    similarity: dict[str, tuple[torch.Tensor, torch.Tensor]]  # name → pairs [p, 2], scores [p]


def read_test_sets(corpus: Corpus, data_dir: Path) -> TestSets:
    questions, sections = read_analogies(data_dir / "questions-words.txt", corpus.index)
    similarity = {
        name: read_similarity(data_dir / file, corpus.index)
        for name, file in (("wordsim353", "wordsim353.tsv"), ("simlex999", "simlex999.txt"))
    }
    return TestSets(questions, sections, similarity)


def evaluate(vectors: torch.Tensor, tests: TestSets) -> dict[str, object]:
    """Analogy accuracy (overall and per section) and similarity correlations of one embedding."""
    correct = analogy_accuracy(vectors, tests.questions)
    per_section = {
        name: float(correct[[i for i, s in enumerate(tests.sections) if s == name]].float().mean())
        for name in sorted(set(tests.sections))
    }
    result: dict[str, object] = {
        "analogy_accuracy": float(correct.float().mean()),
        "analogy_accuracy_by_section": per_section,
    }
    for name, (pairs, human) in tests.similarity.items():
        result[f"{name}_spearman"] = similarity_correlation(vectors, pairs, human)
    return result


# -- 5. figures -----------------------------------------------------------------------------------


def plot_embeddings(
    embeddings: dict[str, torch.Tensor],
    scores: dict[str, dict[str, object]],
    corpus: Corpus,
    losses: list[float],
    ctx: RunContext,
) -> None:
    """Family words projected on two principal directions, and analogy accuracy by section."""
    fig, axes = subplots(1, 3, size=4)
    pairs = [(a, b) for a, b in FAMILY_WORDS if a in corpus.index and b in corpus.index]
    ids = torch.tensor([corpus.index[w] for pair in pairs for w in pair])
    for ax, name in zip(axes[0][:2], ("skip_gram", "random"), strict=True):
        points = F.normalize(embeddings[name][ids].float(), dim=1)
        points = points - points.mean(0)
        _, _, v = torch.linalg.svd(points, full_matrices=False)
        xy = (points @ v[:2].T).numpy()  # [2 × pairs, 2]: the two principal directions
        for k, (a, b) in enumerate(pairs):
            (x0, y0), (x1, y1) = xy[2 * k], xy[2 * k + 1]
            ax.annotate("", (x1, y1), (x0, y0), arrowprops={"arrowstyle": "->", "alpha": 0.5})
            ax.text(x0, y0, a, fontsize=8, color="tab:blue")
            ax.text(x1, y1, b, fontsize=8, color="tab:red")
        ax.set_title(f"{name.replace('_', '-')}: male → female")
        ax.set_xticks([])
        ax.set_yticks([])
    ax = axes[0][2]
    sections = list(scores["skip_gram"]["analogy_accuracy_by_section"])  # type: ignore[arg-type]
    width = 0.8 / len(scores)
    for k, (name, score) in enumerate(scores.items()):
        by_section = score["analogy_accuracy_by_section"]
        heights = [100 * by_section[s] for s in sections]  # type: ignore[index]
        ax.barh([i + k * width for i in range(len(sections))], heights, width, label=name)
    ax.set_yticks([i + 0.4 - width / 2 for i in range(len(sections))], sections, fontsize=7)
    ax.set_xlabel("analogies answered (%)")
    ax.legend(fontsize=7)
    ax.set_title(f"loss per epoch: {', '.join(f'{x:.2f}' for x in losses)}", fontsize=8)
    fig.tight_layout()
    ctx.save_figure(fig, "embeddings")


def run(cfg: Config, ctx: RunContext) -> dict[str, object]:
    data_dir = gensim_test_files()  # fail before training if the test sets are missing
    corpus = build_corpus(tokenize(read_corpus(cfg.corpus)), cfg.min_count)
    torch.manual_seed(ctx.seed)
    model, losses = train(corpus, cfg, ctx)
    raw = model.module if hasattr(model, "module") else model  # DDP wraps the model
    embeddings = {
        "skip_gram": raw.centre.weight.detach().cpu(),
        "random": torch.randn(len(corpus.words), cfg.dim, generator=ctx.generator(99)),
        **count_embeddings(
            cooccurrence(corpus.ids, len(corpus.words), cfg.window), cfg.dim, ctx.seed
        ),
    }
    tests = read_test_sets(corpus, data_dir)
    scores = {name: evaluate(vectors, tests) for name, vectors in embeddings.items()}
    if ctx.is_main:
        plot_embeddings(embeddings, scores, corpus, losses, ctx)
    metrics: dict[str, object] = {
        "tokens": len(corpus.ids),
        "vocabulary": len(corpus.words),
        "analogy_questions": len(tests.questions),
        "loss_curve": losses,
    }
    for name, score in scores.items():
        for key, value in score.items():
            metrics[f"{name}_{key}"] = value
    metrics["nearest_words"] = {
        w: nearest(embeddings["skip_gram"], corpus, w) for w in PROBE_WORDS if w in corpus.index
    }
    return metrics
