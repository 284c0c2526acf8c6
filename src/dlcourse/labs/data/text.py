"""Text for the regularisation and transformer labs: a tokenizer, a vocabulary, two sources.

``generated`` (default): short "reviews" whose label is the sign of their sentiment words, where
``not`` flips the next sentiment word, so word order matters. ``imdb:DIR`` reads the Stanford
``aclImdb`` folder layout (``train/pos/*.txt`` …) from disk; nothing downloads.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import torch

PAD, UNK = "<pad>", "<unk>"
POSITIVE = ("good", "great", "fine", "superb", "lovely", "fun", "brilliant", "moving")
NEGATIVE = ("bad", "awful", "dull", "boring", "poor", "weak", "silly", "messy")
NEGATION = "not"
_TOKEN = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class TextSet:
    train_tokens: list[list[str]]
    train_labels: torch.Tensor  # [n] int64, 0 = negative, 1 = positive
    test_tokens: list[list[str]]
    test_labels: torch.Tensor


def tokenize(text: str) -> list[str]:
    """Lower-case words; IMDB's ``<br />`` line breaks become spaces."""
    return _TOKEN.findall(text.lower().replace("<br />", " "))


def build_vocab(docs: Sequence[Sequence[str]], max_size: int = 20_000, min_freq: int = 1) -> dict:
    """Most frequent words first; ids 0 and 1 are padding and unknown."""
    counts = Counter(word for doc in docs for word in doc)
    words = [w for w, c in counts.most_common(max_size) if c >= min_freq]
    return {word: i for i, word in enumerate([PAD, UNK, *words])}


def encode(docs: Sequence[Sequence[str]], vocab: dict, max_len: int) -> torch.Tensor:
    """Token ids ``[n, max_len]``, truncated and right-padded with 0."""
    ids = torch.zeros(len(docs), max_len, dtype=torch.long)
    unk = vocab[UNK]
    for i, doc in enumerate(docs):
        row = [vocab.get(w, unk) for w in doc[:max_len]]
        ids[i, : len(row)] = torch.tensor(row, dtype=torch.long)
    return ids


def bag_of_words(docs: Sequence[Sequence[str]], vocab: dict) -> torch.Tensor:
    """Word counts ``[n, vocab]`` (log-scaled), the input of a bag-of-words classifier."""
    bags = torch.zeros(len(docs), len(vocab))
    unk = vocab[UNK]
    for i, doc in enumerate(docs):
        for w in doc:
            bags[i, vocab.get(w, unk)] += 1
    return torch.log1p(bags)


def generated_reviews(
    n: int,
    generator: torch.Generator,
    fillers: int = 200,
    length: tuple[int, int] = (8, 16),
    sentiment_words: tuple[int, int] = (1, 3),
    negation_rate: float = 0.3,
    label_noise: float = 0.0,
    order_only_share: float = 0.0,
) -> tuple[list[list[str]], torch.Tensor]:
    """``n`` token lists and labels. An odd number of sentiment words, so there is never a tie.

    A share ``order_only_share`` of the reviews are *order-only*: one positive word, one negative
    word and one ``not`` before one of the two ("not good … awful" is negative, "good … not awful"
    positive). Their bags of words are the same for both labels, so only the order tells them
    apart (see :func:`bag_of_words_ceiling`).
    """
    filler_words = [f"w{i}" for i in range(fillers)]
    docs, labels = [], []
    for _ in range(n):
        size = int(torch.randint(length[0], length[1] + 1, (1,), generator=generator))
        # Segments, so a later insertion can never split a "not" from the word it negates.
        segments = [
            [filler_words[int(i)]] for i in torch.randint(fillers, (size,), generator=generator)
        ]
        if order_only_share and bool(torch.rand(1, generator=generator) < order_only_share):
            # one of each, the negated one drawn at random: the sum is ±2, never a tie
            negate_positive = bool(torch.rand(1, generator=generator) < 0.5)
            drawn = [(True, negate_positive), (False, not negate_positive)]
        else:
            k = int(
                torch.randint(sentiment_words[0], sentiment_words[1] + 1, (1,), generator=generator)
            )
            drawn = [None] * (k + 1 - k % 2)  # odd; sign and negation drawn below, in this order
        score = 0
        for fixed in drawn:
            positive = fixed[0] if fixed else bool(torch.rand(1, generator=generator) < 0.5)
            word_list = POSITIVE if positive else NEGATIVE
            word = word_list[int(torch.randint(len(word_list), (1,), generator=generator))]
            negated = (
                fixed[1] if fixed else bool(torch.rand(1, generator=generator) < negation_rate)
            )
            score += (1 if positive else -1) * (-1 if negated else 1)
            at = int(torch.randint(0, len(segments) + 1, (1,), generator=generator))
            segments.insert(at, [NEGATION, word] if negated else [word])
        label = int(score > 0)
        if label_noise and bool(torch.rand(1, generator=generator) < label_noise):
            label = 1 - label
        docs.append([word for segment in segments for word in segment])
        labels.append(label)
    return docs, torch.tensor(labels, dtype=torch.long)


def bag_of_words_ceiling(
    sentiment_words: tuple[int, int] = (1, 3),
    negation_rate: float = 0.3,
    order_only_share: float = 0.0,
) -> float:
    """The best accuracy any function of the bag of words can have on :func:`generated_reviews`.

    Exact, from how the reviews are drawn. A label depends on the sentiment words and the ``not``s
    alone (the fillers are drawn apart from it, and which positive or negative word it is does not
    matter), so all a bag can tell is the number of positive words ``p``, of negative words ``q``
    and of ``not``s ``m``. Each word is negated on its own with the same chance, so given ``m``
    every set of ``m`` negated words is equally likely; the best a bag can do is to answer the
    likelier label for each ``(p, q, m)``. An order-only review (``p = q = m = 1``, a count no
    other review has: those have an odd number of sentiment words) is a coin flip.
    """
    low, high = sentiment_words
    counts = [k + 1 - k % 2 for k in range(low, high + 1)]  # drawn uniformly, then made odd
    regular = 0.0
    for k in counts:
        for signs in itertools.product((1, -1), repeat=k):  # each word positive or negative
            for negated in itertools.product((False, True), repeat=k):
                rates = (negation_rate if n else 1 - negation_rate for n in negated)
                chance = 0.5**k * math.prod(rates)
                # the likelier label among all placements of as many nots on the same words
                m = sum(negated)
                positive = [
                    sum(s * (-1 if i in chosen else 1) for i, s in enumerate(signs)) > 0
                    for chosen in itertools.combinations(range(k), m)
                ]
                best = max(sum(positive), len(positive) - sum(positive)) / len(positive)
                regular += chance * best / len(counts)
    return order_only_share * 0.5 + (1 - order_only_share) * regular


def load_imdb(root: str | Path, limit: int | None = None) -> TextSet:
    """Read ``aclImdb``: ``{train,test}/{neg,pos}/*.txt``; ``limit`` files per folder at most."""
    root = Path(root)
    if (root / "aclImdb").is_dir():
        root = root / "aclImdb"
    parts = {}
    for split in ("train", "test"):
        tokens, labels = [], []
        for label, folder in enumerate(("neg", "pos")):
            files = sorted((root / split / folder).glob("*.txt"))[:limit]
            if not files:
                raise FileNotFoundError(f"no reviews in {root / split / folder}")
            for path in files:
                tokens.append(tokenize(path.read_text(encoding="utf-8", errors="replace")))
                labels.append(label)
        parts[split] = (tokens, torch.tensor(labels, dtype=torch.long))
    return TextSet(*parts["train"], *parts["test"])


def load_text(spec: str, generator: torch.Generator, n_train: int, n_test: int, **kw) -> TextSet:
    """``generated`` (keyword arguments go to ``generated_reviews``) or ``imdb:DIR``."""
    if spec == "generated":
        train = generated_reviews(n_train, generator, **kw)
        test = generated_reviews(n_test, generator, **{**kw, "label_noise": 0.0})
        return TextSet(train[0], train[1], test[0], test[1])
    if spec.startswith("imdb:"):
        return load_imdb(spec.split(":", 1)[1])
    raise ValueError(f"unknown text data {spec!r}: use generated or imdb:DIR")
