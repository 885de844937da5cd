"""MP4/PNG export: length, fps, audio, frames read back, atomic outputs, ffmpeg errors."""

from __future__ import annotations

import numpy as np
import pytest

from audio_synth import tone, write_wav
from dreamreel.core.errors import Cancelled
from dreamreel.core.export import FfmpegError, encode_mp4, png_sequence, probe, read_video_frames


def frames(n, w=32, h=24):
    for i in range(n):
        f = np.zeros((h, w, 3), np.uint8)
        f[..., i % 3] = 40 + 8 * i  # each frame a distinct flat colour
        yield f


def test_mp4_has_exact_length_fps_audio_and_the_frames(tmp_path):
    write_wav(tmp_path / "a.wav", tone(440, 2.0, 22050), 22050)
    seen = []
    out = encode_mp4(frames(20), tmp_path / "o.mp4", width=32, height=24, fps=10, n_frames=20,
                     audio_path=tmp_path / "a.wav", progress=lambda d, t, m: seen.append(d))
    info = probe(out)
    assert info.has_audio and info.video_codec == "h264" and (info.width, info.height) == (32, 24)
    assert info.fps == 10 and abs(info.duration_s - 2.0) <= 0.1 + 1e-9
    back = read_video_frames(out, 32, 24)
    assert len(back) == 20
    want = np.stack(list(frames(20)))
    assert np.abs(back.astype(int) - want).mean() < 6  # lossy but the same pictures
    assert seen[-1] == 20
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_odd_size_is_refused(tmp_path):
    with pytest.raises(ValueError):
        encode_mp4(frames(2, 31, 24), tmp_path / "o.mp4", width=31, height=24, fps=10)


def cancel_after(n):
    calls = []
    return lambda: len(calls) >= n or bool(calls.append(1))


def test_cancel_leaves_no_file_and_keeps_an_existing_one(tmp_path):
    target = tmp_path / "o.mp4"
    with pytest.raises(Cancelled):
        encode_mp4(frames(30), target, width=32, height=24, fps=10, cancel=cancel_after(5))
    assert not target.exists()
    target.write_bytes(b"good old video")
    with pytest.raises(Cancelled):
        encode_mp4(frames(30), target, width=32, height=24, fps=10, cancel=cancel_after(5))
    assert target.read_bytes() == b"good old video"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["o.mp4"]


def test_ffmpeg_failure_raises_with_stderr_and_keeps_existing(tmp_path):
    target = tmp_path / "o.mp4"
    target.write_bytes(b"keep me")
    (tmp_path / "bad.wav").write_bytes(b"this is not audio")
    with pytest.raises(FfmpegError) as e:
        encode_mp4(frames(5), target, width=32, height=24, fps=10, audio_path=tmp_path / "bad.wav")
    assert "bad.wav" in str(e.value) or "Invalid data" in str(e.value)
    assert target.read_bytes() == b"keep me"


def test_frame_generator_error_leaves_nothing(tmp_path):
    def broken():
        yield from frames(3)
        raise RuntimeError("decoder blew up")

    with pytest.raises(RuntimeError):
        encode_mp4(broken(), tmp_path / "o.mp4", width=32, height=24, fps=10)
    assert list(tmp_path.iterdir()) == []


def write_png_sequence(frames, out_dir, start_index=0):
    """As `render --png-dir` writes them: one png_sequence block, frames numbered from start_index."""
    count = 0
    with png_sequence(out_dir) as write:
        for frame in frames:
            write(start_index + count, frame)
            count += 1
    return count


def test_png_sequence_is_atomic(tmp_path):
    from PIL import Image

    out = tmp_path / "pngs"
    assert write_png_sequence(frames(4), out, start_index=10) == 4
    assert sorted(p.name for p in out.iterdir()) == [f"frame_0000{i}.png" for i in (10, 11, 12, 13)]
    assert np.array_equal(np.asarray(Image.open(out / "frame_000010.png")), next(frames(1)))

    def broken():
        yield from frames(2)
        raise Cancelled()

    with pytest.raises(Cancelled):
        write_png_sequence(broken(), out)
    assert len(list(out.iterdir())) == 4  # the earlier sequence is untouched
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pngs"]
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("x")
    from dreamreel.core.errors import DreamreelError

    with pytest.raises(DreamreelError):
        write_png_sequence(frames(1), tmp_path / "mine")
    assert (tmp_path / "mine" / "notes.txt").exists()


def test_mp4_stops_at_the_last_frame_when_the_song_is_longer(tmp_path):
    write_wav(tmp_path / "a.wav", tone(440, 3.0, 22050), 22050)
    out = encode_mp4(frames(20), tmp_path / "o.mp4", width=32, height=24, fps=10, n_frames=20,
                     audio_path=tmp_path / "a.wav")
    info = probe(out)
    assert info.has_audio and abs(info.duration_s - 2.0) <= 0.05


def test_png_dir_naming_a_file_is_one_clear_error(tmp_path):
    from dreamreel.core.errors import DreamreelError

    (tmp_path / "f.png").write_bytes(b"not a folder")
    with pytest.raises(DreamreelError, match="is a file"):
        write_png_sequence(frames(2), tmp_path / "f.png")
    assert (tmp_path / "f.png").read_bytes() == b"not a folder"
