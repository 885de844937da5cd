"""Decoding through the bundled ffmpeg: formats, channels, rates, durations and errors."""

from __future__ import annotations

import hashlib
import subprocess

import numpy as np
import pytest

from audio_synth import ffmpeg_convert, ffmpeg_has_encoder, stereo, tone, write_wav
from dreamreel.core.audio import Audio, decode_audio, file_sha256, probe_audio, resample
from dreamreel.core.audio.decode import ffmpeg_exe, stream_info
from dreamreel.core.errors import AudioError, DreamreelError

SR = 22050
Q16 = 1.0 / 32767  # 16-bit quantisation step of the WAVs the tests write


def dominant_hz(x: np.ndarray, sr: int) -> float:
    spec = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.argmax(spec) * sr / len(x))


@pytest.fixture
def mono_wav(tmp_path):
    x = tone(440.0, 1.5, SR, amplitude=0.5)
    return write_wav(tmp_path / "song.wav", x, SR), x


def test_wav_decodes_to_the_written_samples(mono_wav):
    path, x = mono_wav
    audio = decode_audio(path)
    assert audio.sample_rate == SR
    assert audio.samples.dtype == np.float32 and audio.samples.shape == x.shape
    assert np.max(np.abs(audio.samples - x)) <= 1.5 * Q16
    assert audio.duration_ms == 1500


def test_stereo_is_mixed_to_the_mean_or_kept(tmp_path):
    left, right = tone(440.0, 1.0, SR, amplitude=0.8), tone(660.0, 1.0, SR, amplitude=0.2)
    path = write_wav(tmp_path / "st.wav", stereo(left, right), SR)
    mixed = decode_audio(path)
    assert mixed.samples.ndim == 1
    assert np.max(np.abs(mixed.samples - (left + right) / 2)) <= 2 * Q16
    kept = decode_audio(path, mono=False)
    assert kept.samples.shape == (len(left), 2) and kept.channels == 2
    assert np.max(np.abs(kept.samples[:, 0] - left)) <= 1.5 * Q16
    assert np.max(np.abs(kept.samples[:, 1] - right)) <= 1.5 * Q16
    assert np.allclose(kept.mono().samples, mixed.samples, atol=1e-6)


def test_decoding_at_a_requested_rate_resamples(mono_wav):
    path, x = mono_wav
    audio = decode_audio(path, sample_rate=8000)
    assert audio.sample_rate == 8000
    assert abs(len(audio.samples) - 1.5 * 8000) <= 2
    assert abs(dominant_hz(audio.samples, 8000) - 440.0) < 2.0
    again = resample(Audio(x, SR), 16000)
    assert again.sample_rate == 16000 and abs(len(again.samples) - 24000) <= 2
    assert abs(dominant_hz(again.samples, 16000) - 440.0) < 2.0
    assert resample(again, 16000) is again


@pytest.mark.parametrize(
    "suffix, encoder, tolerance_ms",
    [(".flac", "flac", 1), (".mp3", "libmp3lame", 60), (".ogg", "libvorbis", 30),
     (".m4a", "aac", 60)],
)
def test_compressed_formats_decode_with_accurate_duration(mono_wav, suffix, encoder, tolerance_ms):
    if not ffmpeg_has_encoder(encoder):
        pytest.skip(f"bundled ffmpeg lacks {encoder}")
    path, x = mono_wav
    encoded = ffmpeg_convert(path, path.with_suffix(suffix), "-c:a", encoder)
    audio = decode_audio(encoded)
    assert audio.sample_rate == SR
    assert abs(audio.duration_ms - 1500) <= tolerance_ms
    duration_ms, rate = probe_audio(encoded)
    assert rate == SR and duration_ms == audio.duration_ms
    assert abs(dominant_hz(audio.samples, SR) - 440.0) < 2.0
    rms = float(np.sqrt(np.mean(audio.samples**2)))
    assert abs(rms - 0.5 / np.sqrt(2)) < 0.03


def test_probe_reports_duration_and_native_rate(tmp_path):
    path = write_wav(tmp_path / "a.wav", tone(220.0, 2.345, 44100), 44100)
    assert probe_audio(path) == (2345, 44100)
    # ffmpeg's banner shows centiseconds only: the header guess is close, the count exact.
    header_ms, rate = probe_audio(path, exact=False)
    assert rate == 44100 and abs(header_ms - 2345) <= 10
    info = stream_info(path)
    assert (info.sample_rate, info.channels) == (44100, 1)


def test_file_sha256_matches_hashlib(mono_wav):
    path, _ = mono_wav
    assert file_sha256(path) == hashlib.sha256(path.read_bytes()).hexdigest()


def _one_line_error(path) -> str:
    with pytest.raises(AudioError) as info:
        decode_audio(path)
    message = str(info.value)
    assert isinstance(info.value, DreamreelError)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_missing_file_is_one_clear_error(tmp_path):
    assert "not found" in _one_line_error(tmp_path / "song.mp3")


def test_empty_file_is_one_clear_error(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_bytes(b"")
    assert "empty" in _one_line_error(path)


def test_text_renamed_to_mp3_is_not_audio(tmp_path):
    path = tmp_path / "song.mp3"
    path.write_text("these are lyrics, not a song\n" * 20)
    message = _one_line_error(path)
    assert "not an audio file ffmpeg can read" in message
    with pytest.raises(AudioError):
        probe_audio(path)


def test_video_without_sound_has_no_audio_stream(tmp_path):
    path = tmp_path / "silent.mp4"
    proc = subprocess.run(
        [ffmpeg_exe(), "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i",
         "color=c=black:s=16x16:d=0.2", "-c:v", "mpeg4", str(path)],
        capture_output=True,
    )
    if proc.returncode != 0:
        pytest.skip("bundled ffmpeg cannot synthesise video")
    assert "no audio stream" in _one_line_error(path)
