"""Spoken audio made during a test or bench: flite's speech, as a WAV or as a browser records it.

flite (Debian's package; `.ci/run` installs it) speaks with CMU's voices, whose recordings the
same lab's recogniser (pocketsphinx) was made for, so what it says can be checked word by word."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from pathlib import Path

FLITE = "flite"
VOICES = ("rms", "slt", "awb", "kal16")  # two men, a woman, a man with a Scottish accent


def spoken_wav(text: str, *, voice: str = "rms") -> bytes:
    """`text` spoken, as a 16 kHz mono WAV file."""
    if not shutil.which(FLITE):
        raise RuntimeError("flite not found: apt-get install -y flite")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "spoken.wav"
        subprocess.run([FLITE, "-voice", voice, "-t", text, "-o", str(path)], check=True)
        return path.read_bytes()


def as_browser_recording(wav: bytes) -> bytes:
    """The same sound as Chromium's MediaRecorder saves it: Opus at 48 kHz in WebM."""
    import av

    out = io.BytesIO()
    with av.open(io.BytesIO(wav)) as source, av.open(out, "w", format="webm") as target:
        stream = target.add_stream("libopus", rate=48_000, layout="mono")
        resampler = av.AudioResampler(format="s16", layout="mono", rate=48_000)
        for frame in source.decode(audio=0):
            for converted in resampler.resample(frame):
                for packet in stream.encode(converted):
                    target.mux(packet)
        for packet in stream.encode(None):
            target.mux(packet)
    return out.getvalue()


def silence_wav(seconds: float) -> bytes:
    """Silence of that length, 16 kHz mono (for the length limit)."""
    import wave

    out = io.BytesIO()
    with wave.open(out, "wb") as target:
        target.setnchannels(1)
        target.setsampwidth(2)
        target.setframerate(16_000)
        target.writeframes(b"\0\0" * int(seconds * 16_000))
    return out.getvalue()


def heard_share(said: str, heard: str) -> float:
    """The share of the words said that were heard (a recogniser mishears some)."""
    import re
    from collections import Counter

    said_words = Counter(re.findall(r"[a-z']+", said.lower()))
    heard_words = Counter(re.findall(r"[a-z']+", heard.lower()))
    return sum((said_words & heard_words).values()) / max(1, sum(said_words.values()))
