"""Spoken words synthesised offline with ``espeak-ng`` (Debian/Ubuntu: ``apt-get install
espeak-ng``; macOS: ``brew install espeak-ng``), for the speech labs.

One ``espeak-ng`` call says all the words of a take, separated by half-second pauses (SSML
``<break>``); we cut the WAV at its longest silences. A *speaker* is a voice variant (``m3``,
``f2``, ``klatt``, …: formant and pitch profiles) on an English accent, at a speed and pitch.
Takes are cached as WAV files keyed by everything that shapes them, so a second run reads disk.
"""

from __future__ import annotations

import getpass
import hashlib
import io
import shutil
import subprocess
import tempfile
import wave
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

INSTALL_HINT = (
    "the spoken-digits lab synthesises its speech with espeak-ng, which is not on the PATH: "
    "install the espeak-ng package (Debian/Ubuntu: apt-get install espeak-ng; "
    "macOS: brew install espeak-ng), or point --set synthesiser=PATH at the binary"
)
PAUSE_MS = 500


ACCENTS = (
    "en-us",
    "en-gb",
    "en-gb-scotland",
    "en-gb-x-rp",
    "en-029",
    "en-gb-x-gbclan",
    "en-us-nyc",
)
# espeak-ng voice variants: male (m*), female (f*), Klatt-synthesiser and named voices.
TRAIN_VARIANTS = (
    "m1", "m2", "m4", "f1", "f3", "klatt", "Alex", "Annie", "m5", "f5", "klatt4", "ed",
    "linda", "david", "m7", "belinda", "adam", "steph",
)  # fmt: skip
TEST_VARIANTS = ("m3", "f2", "klatt2", "Andy", "m6", "f4", "john", "robert")


@dataclass(frozen=True)
class Take:
    """One ``espeak-ng`` call: every word, said once, by one speaker."""

    accent: str  # espeak-ng voice, e.g. en-us, en-gb-scotland
    variant: str  # voice variant, e.g. m3, f2, klatt
    speed: int  # words per minute
    pitch: int  # 0..99

    @property
    def voice(self) -> str:
        return f"{self.accent}+{self.variant}"


def speaker_takes(
    variants: tuple[str, ...],
    takes: int,
    speed: tuple[int, int],
    pitch: tuple[int, int],
    g: np.random.Generator,
) -> list[Take]:
    """``takes`` takes per voice variant, each at a random accent, speed and pitch."""
    return [
        Take(
            accent=str(g.choice(ACCENTS)),
            variant=variant,
            speed=int(g.integers(speed[0], speed[1] + 1)),
            pitch=int(g.integers(pitch[0], pitch[1] + 1)),
        )
        for variant in variants
        for _ in range(takes)
    ]


def cache_folder(setting: str, out: Path | None, lab: str) -> Path:
    """Where a speech lab caches its takes: the ``cache`` setting if given, else the run's output
    folder (``OUT/speech-cache``), else a folder of the user's in the temporary directory."""
    if setting:
        return Path(setting)
    if out is not None:
        return out / "speech-cache"
    return Path(tempfile.gettempdir()) / f"dlcourse-{lab}-{getpass.getuser()}"


def find_synthesiser(name: str = "espeak-ng") -> str:
    """Full path of the synthesiser, or a ``FileNotFoundError`` that says what to install."""
    path = shutil.which(name)
    if path is None:
        raise FileNotFoundError(INSTALL_HINT)
    return path


def read_wav(data: bytes) -> tuple[np.ndarray, int]:
    """16-bit mono WAV bytes → float samples in [-1, 1] and the sample rate.

    espeak-ng writes to a pipe, so its header cannot know the length: read to the end instead.
    """
    with wave.open(io.BytesIO(data)) as w:
        if w.getsampwidth() != 2 or w.getnchannels() != 1:
            raise ValueError("expected 16-bit mono WAV from espeak-ng")
        rate = w.getframerate()
        frames = w.readframes(w.getnframes())
    return np.frombuffer(frames[: len(frames) // 2 * 2], dtype="<i2") / 32768.0, rate


def split_words(
    audio: np.ndarray, count: int, min_pause: int, quiet: float = 1e-3
) -> list[np.ndarray]:
    """Cut ``audio`` into ``count`` words at its ``count - 1`` longest silent stretches.

    The pauses between words (a quarter to half a second) are far longer than any silence inside
    a word (a stop consonant's closure: tens of milliseconds), so the longest gaps are the pauses. A
    cut shorter than ``min_pause`` samples means a word went missing: better an error than
    mislabelled words.
    """
    loud = np.flatnonzero(np.abs(audio) > quiet)
    if len(loud) == 0:
        raise ValueError("silent take")
    audio = audio[loud[0] : loud[-1] + 1]
    loud = loud - loud[0]
    gaps = np.diff(loud)  # gap between consecutive loud samples
    cuts = np.sort(np.argsort(gaps)[::-1][: count - 1])  # indices into `loud`
    if len(cuts) < count - 1 or (len(cuts) and gaps[cuts].min() < min_pause):
        raise ValueError(f"could not find the {count - 1} pauses between {count} words")
    bounds = [0, *[c + 1 for c in cuts]], [*[c for c in cuts], len(loud) - 1]
    return [audio[loud[a] : loud[b] + 1] for a, b in zip(*bounds, strict=True)]


def _ssml(words: tuple[str, ...]) -> str:
    return "<speak>" + f'<break time="{PAUSE_MS}ms"/>'.join(words) + "</speak>"


def synthesise(
    takes: list[Take],
    words: tuple[str, ...],
    cache: Path,
    synthesiser: str = "espeak-ng",
    workers: int = 4,
) -> tuple[list[list[np.ndarray]], int]:
    """Each take's words as float arrays (``result[take][word]``) and the sample rate.

    Missing takes are synthesised in parallel (the processes are independent) and cached.
    """
    return synthesise_scripts(takes, [words] * len(takes), cache, synthesiser, workers)


def synthesise_scripts(
    takes: list[Take],
    scripts: list[tuple[str, ...]],
    cache: Path,
    synthesiser: str = "espeak-ng",
    workers: int = 4,
) -> tuple[list[list[np.ndarray]], int]:
    """Like :func:`synthesise`, but each take says its own script: ``scripts[take]`` is a tuple of
    phrases (a word, or several words said in one breath), each cut out as one array.

    The pauses between phrases are far longer than the gaps between words inside a phrase
    (espeak-ng leaves under 50 ms there), so the cuts fall between phrases.
    """
    if len(scripts) != len(takes):
        raise ValueError("one script per take")
    binary = find_synthesiser(synthesiser)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout
    cache.mkdir(parents=True, exist_ok=True)

    def one(take: Take, words: tuple[str, ...]) -> bytes:
        key = repr((version.strip(), take, words, PAUSE_MS)).encode()
        path = cache / f"{hashlib.sha1(key).hexdigest()[:16]}.wav"
        if path.is_file():
            return path.read_bytes()
        args = ["-m", "-v", take.voice, "-s", str(take.speed), "-p", str(take.pitch)]
        done = subprocess.run(
            [binary, *args, "--stdout", _ssml(words)], capture_output=True, check=False
        )
        if done.returncode != 0 or len(done.stdout) < 1000:
            raise RuntimeError(f"espeak-ng failed for {take}: {done.stderr.decode()[-500:]}")
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(done.stdout)
        tmp.replace(path)  # atomic: a crashed run never leaves half a file in the cache
        return done.stdout

    with ThreadPoolExecutor(max_workers=workers) as pool:
        wavs = list(pool.map(one, takes, scripts))
    rate = 0
    result = []
    for data, words in zip(wavs, scripts, strict=True):
        audio, rate = read_wav(data)
        # espeak-ng shortens pauses at high speeds (500 ms → 250 ms at 200 wpm); a stop
        # consonant's closure stays under 70 ms.
        result.append(split_words(audio, len(words), min_pause=rate // 10))
    return result, rate
