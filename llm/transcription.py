"""Speech to text for voice notes: offline with pocketsphinx, or a model provider's endpoint.

Any audio a browser records or a phone saves (webm/opus, ogg, m4a, mp3, wav) is decoded with
PyAV (FFmpeg's libraries, inside its wheel) to 16 kHz mono. Offline, pocketsphinx's own US
English model (inside its wheel: nothing is downloaded) transcribes it, speech segment by
segment; other languages, and better accuracy, need a model provider that speaks OpenAI's
`audio/transcriptions` (OpenAI itself, or an OpenAI-compatible server such as a local
faster-whisper server), configured with a transcription model on the Models page or by the
deployment's OPENAI_TRANSCRIPTION_MODEL."""

from __future__ import annotations

import io
import threading
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from django.conf import settings

from llm.base import LLMResult, ProviderError
from llm.models import ModelConnection, ModelKind
from llm.registry import Attempt

SAMPLE_RATE = 16_000
OFFLINE_LANGUAGES = {"en": "US English"}  # what pocketsphinx's wheel carries
AUDIO_EXTENSIONS = ("webm", "ogg", "oga", "opus", "m4a", "mp4", "mp3", "wav")
OPENAI_PER_MINUTE_MICROS = 6_000  # whisper-1: $0.006 a minute


class AudioProblem(ValueError):
    """The file is not audio we can use, in words the creator can act on."""


@dataclass(frozen=True)
class Audio:
    pcm: bytes  # 16-bit little-endian mono at SAMPLE_RATE
    seconds: float


@dataclass(frozen=True)
class Transcript:
    text: str
    engine: str  # "pocketsphinx (offline, US English)", "whisper-1 on api.openai.com"
    provider: str  # for the usage ledger: offline, openai, openai-compatible
    model: str
    cost_micros: int = 0
    latency_ms: int = 0


def audio_length(data: bytes) -> float:
    """How long a file plays, in seconds, read from its container (cheap: nothing is decoded).

    Raises AudioProblem when it is not audio at all."""
    import av

    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioProblem("That file has no sound in it.")
            if container.duration:
                return container.duration / 1_000_000
            stream = container.streams.audio[0]
            if stream.duration and stream.time_base:
                return float(stream.duration * stream.time_base)
    except AudioProblem:
        raise
    except Exception as error:  # PyAV raises its own error per FFmpeg failure
        raise AudioProblem(
            "That file is not audio we can read (record again, or upload webm, ogg, m4a, "
            "mp3 or wav)."
        ) from error
    return 0.0  # a browser's webm recording often has no length in its header


def decode(data: bytes, *, max_seconds: float) -> Audio:
    """The whole file as 16 kHz mono PCM; refuses silence-only files and overlong ones."""
    import av

    resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
    chunks: list[bytes] = []
    size = 0
    limit = int(max_seconds * SAMPLE_RATE * 2) + SAMPLE_RATE * 2  # a second of slack
    try:
        with av.open(io.BytesIO(data), mode="r") as container:
            if not container.streams.audio:
                raise AudioProblem("That file has no sound in it.")
            for frame in container.decode(audio=0):
                for out in resampler.resample(frame):
                    chunk = out.to_ndarray().tobytes()
                    chunks.append(chunk)
                    size += len(chunk)
                if size > limit:
                    raise AudioProblem(
                        f"That recording is longer than {max_seconds / 60:g} minutes; "
                        "record a shorter note or split it."
                    )
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().tobytes())
    except AudioProblem:
        raise
    except Exception as error:
        raise AudioProblem(
            "That file is not audio we can read (record again, or upload webm, ogg, m4a, "
            "mp3 or wav)."
        ) from error
    pcm = b"".join(chunks)
    if len(pcm) < SAMPLE_RATE // 2:  # under a quarter of a second
        raise AudioProblem("That recording is empty: nothing was said in it.")
    return Audio(pcm=pcm, seconds=len(pcm) / 2 / SAMPLE_RATE)


class Transcriber(Protocol):
    name: str
    model: str

    def transcribe(
        self, audio: Audio, data: bytes, filename: str, *, language: str
    ) -> Transcript: ...


_decoder_lock = threading.Lock()


@lru_cache(maxsize=1)
def _decoder() -> Any:
    from pocketsphinx import Decoder

    return Decoder(samprate=SAMPLE_RATE, loglevel="FATAL")


class OfflineTranscriber:
    """pocketsphinx with the US English model its wheel carries."""

    name = "offline"
    model = "pocketsphinx"

    def transcribe(self, audio: Audio, data: bytes, filename: str, *, language: str) -> Transcript:
        from pocketsphinx import Segmenter

        if language not in OFFLINE_LANGUAGES:
            raise ProviderError(
                f"Offline transcription understands {', '.join(OFFLINE_LANGUAGES.values())} "
                "only. For this language, add an OpenAI or OpenAI-compatible model with a "
                "transcription model on the Models page.",
                permanent=True,
                kind="language",
            )
        started = time.perf_counter()
        words: list[str] = []
        # One utterance per stretch of speech: the recogniser is far more accurate on a
        # sentence than on two minutes at once, and pauses are where sentences end.
        segments = list(Segmenter(sample_rate=SAMPLE_RATE).segment(io.BytesIO(audio.pcm)))
        pieces = [segment.pcm for segment in segments] or [audio.pcm]
        with _decoder_lock:  # one decoder per process, not thread-safe
            decoder = _decoder()
            for piece in pieces:
                decoder.start_utt()
                decoder.process_raw(piece, full_utt=True)
                decoder.end_utt()
                hypothesis = decoder.hyp()
                if hypothesis and hypothesis.hypstr.strip():
                    words.append(hypothesis.hypstr.strip())
        return Transcript(
            text=". ".join(words).capitalize() + ("." if words else ""),
            engine=f"pocketsphinx (offline, {OFFLINE_LANGUAGES[language]})",
            provider=self.name,
            model=self.model,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )


class OpenAITranscriber:
    """OpenAI's audio transcriptions endpoint, or a server that speaks it."""

    def __init__(self, *, api_key: str, base_url: str | None, model: str, name: str) -> None:
        import openai

        from core import egress

        self.model, self.name = model, name
        self.display = "OpenAI" if name == "openai" else (base_url or "The model server")
        self.where = base_url or "api.openai.com"
        self._sdk = openai
        self._client = openai.OpenAI(
            api_key=api_key,
            base_url=base_url or None,
            max_retries=1,
            http_client=egress.shared_client("models", timeout=settings.LLM_TIMEOUT_SECONDS),
        )

    def transcribe(self, audio: Audio, data: bytes, filename: str, *, language: str) -> Transcript:
        from llm.providers._errors import malformed, translate

        started = time.perf_counter()
        try:
            response = self._client.audio.transcriptions.create(
                model=self.model,
                file=(filename, data),
                language=language,
                response_format="json",
                timeout=settings.LLM_TIMEOUT_SECONDS,
            )
        except Exception as error:
            raise translate(error, self._sdk, self.display) from error
        text = getattr(response, "text", None)
        if not isinstance(text, str):
            raise malformed(self.display)
        minutes = audio.seconds / 60
        return Transcript(
            text=" ".join(text.split()),
            engine=f"{self.model} on {self.where}",
            provider=self.name,
            model=self.model,
            cost_micros=round(minutes * OPENAI_PER_MINUTE_MICROS) if self.name == "openai" else 0,
            latency_ms=round((time.perf_counter() - started) * 1000),
        )


def _model_settings(workspace_id: int | None) -> list[dict[str, Any]]:
    """The models that transcribe, as the arguments of an OpenAITranscriber.

    The workspace's own OpenAI or OpenAI-compatible models that name a transcription model, in
    the Models page's order; else the deployment's OpenAI with OPENAI_TRANSCRIPTION_MODEL."""
    own = (
        ModelConnection.objects.filter(workspace_id=workspace_id or 0)
        .exclude(kind=ModelKind.ANTHROPIC)
        .exclude(transcription_model="")
    )
    found = [
        {
            "api_key": connection.api_key or "not-needed",
            "base_url": connection.base_url or None,
            "model": connection.transcription_model,
            "name": "openai" if connection.kind == ModelKind.OPENAI else "openai-compatible",
        }
        for connection in own
    ]
    if (
        not found
        and settings.OPENAI_TRANSCRIPTION_MODEL
        and settings.OPENAI_API_KEY
        and "openai" in settings.LLM_PROVIDERS
    ):
        found.append(
            {
                "api_key": settings.OPENAI_API_KEY,
                "base_url": settings.OPENAI_BASE_URL or None,
                "model": settings.OPENAI_TRANSCRIPTION_MODEL,
                "name": "openai",
            }
        )
    return found


def transcribers(workspace_id: int | None) -> list[Transcriber]:
    """Who to ask, in order: the models that transcribe, then the offline recogniser.

    So English never depends on a network."""
    chain: list[Transcriber] = [OpenAITranscriber(**kw) for kw in _model_settings(workspace_id)]
    chain.append(OfflineTranscriber())
    return chain


def has_model_transcriber(workspace_id: int | None) -> bool:
    """Whether notes in other languages than the offline ones can be transcribed."""
    return bool(_model_settings(workspace_id))


@dataclass(frozen=True)
class Tried:
    transcriber: Transcriber
    error: ProviderError | None
    latency_ms: int


class TranscriptionFailed(Exception):
    def __init__(self, error: ProviderError, tried: list[Tried]) -> None:
        super().__init__(str(error))
        self.tried = tried


def transcribe(
    audio: Audio, data: bytes, filename: str, *, language: str, chain: list[Transcriber]
) -> tuple[Transcript, list[Tried]]:
    """The first transcript a transcriber gives; any failure moves on to the next.

    English falls back to the offline recogniser even when a model refuses (a bad key); the
    error shown when all fail is the most useful one, not "offline knows English only"."""
    tried: list[Tried] = []
    last: ProviderError | None = None
    for transcriber in chain:
        started = time.perf_counter()
        try:
            transcript = transcriber.transcribe(audio, data, filename, language=language)
        except ProviderError as error:
            tried.append(Tried(transcriber, error, round((time.perf_counter() - started) * 1000)))
            # A model's refusal is more useful to show than "offline knows English only".
            if last is None or error.kind != "language":
                last = error
            continue
        tried.append(Tried(transcriber, None, transcript.latency_ms))
        return transcript, tried
    raise TranscriptionFailed(
        last or ProviderError("No transcriber is configured.", permanent=True), tried
    )


def ledger_attempts(tried: list[Tried], transcript: Transcript | None) -> list[Attempt]:
    """What was tried, as the usage ledger's rows (llm.services.usage_record)."""
    rows = []
    for attempt in tried:
        result = None
        if attempt.error is None and transcript is not None:
            result = LLMResult(
                text="",
                provider=transcript.provider,
                model=transcript.model,
                cost_micros=transcript.cost_micros,
                latency_ms=transcript.latency_ms,
            )
        rows.append(
            Attempt(
                attempt.transcriber.name,
                attempt.transcriber.model,
                result,
                attempt.error,
                attempt.latency_ms,
            )
        )
    return rows
