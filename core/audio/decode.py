"""Decode any audio ffmpeg reads into float32 numpy samples, through imageio-ffmpeg's ffmpeg.

No ffprobe ships with imageio-ffmpeg, so stream facts come from ffmpeg's own stderr banner
(`Stream #0:0: Audio: mp3, 44100 Hz, stereo, ...`) and the samples come through a pipe as raw
little-endian f32. ffmpeg is always called with an argument list; a failure raises
`AudioError` with ffmpeg's last stderr line.
"""

from __future__ import annotations

import re
import subprocess
import threading
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dreamreel.core.children import child_kwargs
from dreamreel.core.errors import AudioError
from dreamreel.core.hashing import file_sha256  # noqa: F401 (re-exported by dreamreel.core.audio)

_CHUNK_BYTES = 1 << 22
_STREAM_RE = re.compile(r"Stream #\d+:\d+.*?: Audio: [^\n]*?(\d+) Hz(?:, ([^,\n]+))?")
_LAYOUT_CHANNELS = {
    "mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "3.0(back)": 3, "4.0": 4, "quad": 4,
    "quad(side)": 4, "3.1": 4, "4.1": 5, "5.0": 5, "5.0(side)": 5, "5.1": 6, "5.1(side)": 6,
    "6.0": 6, "6.0(front)": 6, "hexagonal": 6, "6.1": 7, "6.1(back)": 7, "6.1(front)": 7,
    "7.0": 7, "7.0(front)": 7, "7.1": 8, "7.1(wide)": 8, "7.1(wide-side)": 8, "octagonal": 8,
}


@dataclass
class Audio:
    """Decoded PCM: float32 `samples` shaped (n,) for mono or (n, channels), at `sample_rate`."""

    samples: np.ndarray
    sample_rate: int

    @property
    def n_frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def channels(self) -> int:
        return 1 if self.samples.ndim == 1 else int(self.samples.shape[1])

    @property
    def duration_ms(self) -> int:
        return int(round(self.n_frames * 1000 / self.sample_rate))

    def mono(self) -> "Audio":
        """This audio mixed down to one channel (the mean of the channels)."""
        if self.samples.ndim == 1:
            return self
        return Audio(self.samples.mean(axis=1, dtype=np.float32), self.sample_rate)


@dataclass(frozen=True)
class StreamInfo:
    """What ffmpeg's banner says about the first audio stream (duration is the header's guess)."""

    sample_rate: int
    channels: int | None  # None when the layout name is unknown to us
    header_duration_ms: int | None


def ffmpeg_exe() -> str:
    """Path of the ffmpeg binary bundled with imageio-ffmpeg."""
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def ffmpeg_url(path: str | Path) -> str:
    """A file as ffmpeg should see it: `file:` + absolute path, so a name with a colon
    (`my:song.ogg`) is never taken for a protocol."""
    return "file:" + str(Path(path).absolute())


def _check_file(path: Path) -> None:
    if not path.exists():
        raise AudioError(f"{path}: audio file not found; check the path")
    if path.is_dir():
        raise AudioError(f"{path}: is a folder, not an audio file; pass the song file itself")
    if path.stat().st_size == 0:
        raise AudioError(f"{path}: audio file is empty (0 bytes); export the song again")


def _last_error_line(stderr: str) -> str:
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if "rror" in ln or "nvalid" in ln or "matches no streams" in ln:
            ln = re.sub(r"^\[[^\]]*\]\s*", "", ln)
            return re.sub(r"^Error opening input files?: ", "", ln)
    return lines[-1] if lines else "no output from ffmpeg"


def _not_audio(path: Path, stderr: str) -> AudioError:
    return AudioError(
        f"{path}: not an audio file ffmpeg can read ({_last_error_line(stderr)}); "
        "convert it to wav, mp3, flac or ogg"
    )


def stream_info(path: str | Path) -> StreamInfo:
    """Read the first audio stream's rate, channel count and header duration (no decoding)."""
    path = Path(path)
    _check_file(path)
    proc = subprocess.run([ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", ffmpeg_url(path)],
                          capture_output=True, **child_kwargs())
    # Without an output ffmpeg always exits non-zero; the banner is what we want.
    stderr = proc.stderr.decode("utf-8", errors="replace")
    m = _STREAM_RE.search(stderr)
    if m is None:
        if "Input #0" in stderr:
            raise AudioError(f"{path}: has no audio stream; pick a file with sound in it")
        raise _not_audio(path, stderr)
    layout = (m.group(2) or "").strip()
    if layout.endswith(" channels") and layout.split()[0].isdigit():
        channels = int(layout.split()[0])
    else:
        channels = _LAYOUT_CHANNELS.get(layout)
    d = re.search(r"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)", stderr)
    duration = None
    if d:
        duration = int(round((int(d[1]) * 3600 + int(d[2]) * 60 + float(d[3])) * 1000))
    return StreamInfo(int(m.group(1)), channels, duration)


def _mean_filter(channels: int) -> list[str]:
    """ffmpeg args mixing `channels` to their plain mean (its own -ac 1 scales by 1/sqrt(2))."""
    if channels == 1:
        return []
    gain = f"{1.0 / channels:.10g}"
    mix = "+".join(f"{gain}*c{i}" for i in range(channels))
    # Mix in float so 16-bit sources are not rounded twice.
    return ["-af", f"aformat=sample_fmts=flt,pan=mono|c0={mix}"]


def _run_pcm(
    path: Path, channels: int, rate: int | None, *, keep: bool, mix_from: int | None = None
) -> tuple[np.ndarray, int]:
    """Decode to interleaved f32; returns (samples (n, channels) or empty, n_frames).

    With `mix_from`, ffmpeg mixes that many input channels to a mono mean (channels must be 1),
    so only a quarter of the bytes of a stereo float stream cross the pipe.
    """
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-i", ffmpeg_url(path), "-map", "0:a:0",
           "-vn", "-sn", "-dn"]
    if mix_from:  # unknown layouts (None) fall back to ffmpeg's own -ac 1 downmix
        cmd += _mean_filter(mix_from)
    cmd += ["-f", "f32le", "-acodec", "pcm_f32le", "-ac", str(channels)]
    if rate is not None:
        cmd += ["-ar", str(rate)]
    cmd.append("pipe:1")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **child_kwargs())
    err_parts: list[bytes] = []
    # Drain stderr on a thread so a chatty ffmpeg can never block on a full pipe.
    drain = threading.Thread(target=lambda: err_parts.append(proc.stderr.read()), daemon=True)
    drain.start()
    buf = bytearray()
    n_bytes = 0
    while chunk := proc.stdout.read(_CHUNK_BYTES):
        n_bytes += len(chunk)
        if keep:
            buf += chunk
    proc.wait()
    drain.join()
    stderr = b"".join(err_parts).decode("utf-8", errors="replace")
    if proc.returncode != 0:
        raise _not_audio(path, stderr)
    frame_bytes = 4 * channels
    n_frames = n_bytes // frame_bytes
    if not keep:
        return np.empty((0, channels), np.float32), n_frames
    del buf[n_frames * frame_bytes:]
    return np.frombuffer(buf, dtype="<f4").reshape(n_frames, channels), n_frames


def decode_audio(path: str | Path, *, sample_rate: int | None = None, mono: bool = True) -> Audio:
    """Decode `path` to float32 at its native rate (or `sample_rate`), mixed to mono by default.

    The mono mix is the plain mean of the channels. With `mono=False` samples are (n, channels).
    Raises AudioError for a missing, empty or undecodable file, or one without audio.
    """
    path = Path(path)
    info = stream_info(path)
    # Unknown exotic layouts are folded to stereo by ffmpeg rather than guessed at.
    channels = info.channels or 2
    rate = int(sample_rate) if sample_rate else info.sample_rate
    if rate <= 0:
        raise AudioError(f"{path}: sample rate {rate} is not positive; pass a rate like 22050")
    out_rate = rate if sample_rate else None
    if mono:
        data, n = _run_pcm(path, 1, out_rate, keep=True, mix_from=info.channels)
    else:
        data, n = _run_pcm(path, channels, out_rate, keep=True)
    if n == 0:
        raise AudioError(f"{path}: contains no audio samples; export the song again")
    samples = data.reshape(-1) if mono else data
    return Audio(samples, rate)


def probe_audio(path: str | Path, *, exact: bool = True) -> tuple[int, int]:
    """(duration_ms, native sample_rate) of `path`.

    `exact=True` decodes and counts the samples (the header's duration is an estimate for VBR
    mp3 and some containers); `exact=False` trusts the header when it has one.
    """
    path = Path(path)
    info = stream_info(path)
    if not exact and info.header_duration_ms is not None:
        return info.header_duration_ms, info.sample_rate
    _, n = _run_pcm(path, 1, None, keep=False)
    return int(round(n * 1000 / info.sample_rate)), info.sample_rate


def resample(audio: Audio, sample_rate: int) -> Audio:
    """Resample with ffmpeg's resampler (mono or multichannel); a no-op at the same rate."""
    if audio.sample_rate == sample_rate:
        return audio
    data = np.ascontiguousarray(audio.samples, dtype="<f4")
    channels = audio.channels
    cmd = [ffmpeg_exe(), "-nostdin", "-hide_banner", "-loglevel", "error",
           "-f", "f32le", "-ar", str(audio.sample_rate), "-ac", str(channels), "-i", "pipe:0",
           "-f", "f32le", "-ar", str(sample_rate), "pipe:1"]
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, **child_kwargs())
    err_parts: list[bytes] = []

    def feed() -> None:
        try:
            view = memoryview(data).cast("B")
            for i in range(0, len(view), _CHUNK_BYTES):
                proc.stdin.write(view[i : i + _CHUNK_BYTES])
        except BrokenPipeError:
            pass  # ffmpeg died; its stderr says why
        finally:
            proc.stdin.close()

    threads = [threading.Thread(target=feed, daemon=True),
               threading.Thread(target=lambda: err_parts.append(proc.stderr.read()), daemon=True)]
    for t in threads:
        t.start()
    buf = bytearray()
    while chunk := proc.stdout.read(_CHUNK_BYTES):
        buf += chunk
    proc.wait()
    for t in threads:
        t.join()
    if proc.returncode != 0:
        stderr = b"".join(err_parts).decode("utf-8", errors="replace")
        raise AudioError(f"resampling to {sample_rate} Hz failed ({_last_error_line(stderr)})")
    n = len(buf) // (4 * channels)
    del buf[n * 4 * channels:]
    out = np.frombuffer(buf, dtype="<f4")
    out = out if channels == 1 else out.reshape(n, channels)
    return Audio(out, sample_rate)
