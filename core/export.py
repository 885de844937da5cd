"""Frames -> files: H.264 MP4 with the song muxed in, or a PNG sequence (DESIGN §1.7).

ffmpeg (the `imageio_ffmpeg` bundled binary) is called with an argument list; raw rgb24
frames stream through its stdin; stderr goes to a temp file (a pipe could fill and deadlock)
and a non-zero exit raises `FfmpegError` with its last lines. Outputs are written under a temp
name and renamed into place only when complete, so a cancelled or failed export leaves no file
at the final path and an existing good file untouched.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from dreamreel.core.atomic import atomic_path
from dreamreel.core.audio.decode import ffmpeg_exe, ffmpeg_url
from dreamreel.core.children import child_kwargs, kill_tree
from dreamreel.core.errors import Cancelled, DreamreelError
from dreamreel.core.hooks import CancelHook, Progress
from dreamreel.core.tempfiles import mkdtemp_beside, public_path, temp_prefix


class FfmpegError(DreamreelError):
    """ffmpeg failed; the message carries the last lines of its stderr."""


def _tail(text: str, n: int = 6) -> str:
    lines = [ln for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:]) or "(no output)"


def encode_mp4(
    frames: Iterable[np.ndarray],
    out_path: str | Path,
    *,
    width: int,
    height: int,
    fps: float,
    n_frames: int | None = None,
    audio_path: str | Path | None = None,
    audio_start_s: float = 0.0,
    audio_duration_s: float | None = None,
    minterpolate_fps: int | None = None,
    crf: int = 18,
    preset: str = "medium",
    progress: Progress | None = None,
    cancel: CancelHook | None = None,
) -> Path:
    """Encode uint8 (H, W, 3) frames to H.264 yuv420p MP4, muxing the song as AAC.

    `audio_start_s`/`audio_duration_s` cut the song for partial renders; with `n_frames`
    the file also stops at the last frame (`-t`), so it never runs past the picture. `minterpolate_fps`
    adds ffmpeg's motion-compensated interpolation up to that rate. Returns the final path.
    """
    if width % 2 or height % 2:
        raise ValueError(f"H.264 yuv420p needs even dimensions, got {width}x{height}")
    out_path = Path(out_path)
    cmd = [ffmpeg_exe(), "-hide_banner", "-y", "-loglevel", "error",
           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-framerate", f"{fps}", "-i", "-"]
    if audio_path is not None:
        if audio_start_s > 0:
            cmd += ["-ss", f"{audio_start_s:.6f}"]
        if audio_duration_s is not None:
            cmd += ["-t", f"{audio_duration_s:.6f}"]
        cmd += ["-i", ffmpeg_url(audio_path)]
    cmd += ["-map", "0:v:0"] + (["-map", "1:a:0"] if audio_path is not None else [])
    if minterpolate_fps and minterpolate_fps > fps:
        # minterpolate ends a few output frames before the last input frame is over (2 s at 4 -> 8
        # fps gave 13 frames, not 16), leaving the picture short of the song. Two clones of the
        # last frame go in first, and `-t` below cuts the result at the exact length.
        pad = "tpad=stop_mode=clone:stop=2," if n_frames else ""
        cmd += ["-vf", f"{pad}minterpolate=fps={int(minterpolate_fps)}:mi_mode=mci"]
    cmd += ["-c:v", "libx264", "-preset", preset, "-crf", str(crf), "-pix_fmt", "yuv420p"]
    if audio_path is not None:
        cmd += ["-c:a", "aac", "-b:a", "192k"]
    if n_frames:  # never longer than the frames, whatever the song's length
        cmd += ["-t", f"{n_frames / fps:.6f}"]
    cmd += ["-movflags", "+faststart"]
    with atomic_path(out_path, suffix=out_path.suffix or ".mp4") as tmp:
        try:
            _run_pipe(cmd + [ffmpeg_url(tmp)], frames, (height, width, 3), n_frames, progress, cancel)
        except FfmpegError as e:  # its stderr names the temp file: show the user's
            raise FfmpegError(public_path(str(e), tmp, out_path)) from None
    return out_path


def _run_pipe(cmd, frames, shape, n_frames, progress, cancel) -> None:
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=err, **child_kwargs())
        try:
            done = 0
            for frame in frames:
                if cancel is not None and cancel():
                    raise Cancelled()
                frame = np.ascontiguousarray(frame, dtype=np.uint8)
                if frame.shape != shape:
                    raise ValueError(f"frame {done} has shape {frame.shape}, expected {shape}")
                try:
                    proc.stdin.write(frame.tobytes())
                except (BrokenPipeError, OSError):
                    break  # ffmpeg died; its exit code and stderr say why
                done += 1
                if progress is not None:
                    progress(done, n_frames or done, "encoding")
            with contextlib.suppress(BrokenPipeError, OSError):
                proc.stdin.close()
            rc = proc.wait()
        except BaseException:
            kill_tree(proc)
            raise
        if rc != 0:
            err.seek(0)
            raise FfmpegError(f"ffmpeg failed (exit {rc}): {_tail(err.read().decode('utf-8', 'replace'))}")
        if done == 0:
            raise FfmpegError("no frames to encode")


@contextlib.contextmanager
def png_sequence(out_dir: str | Path) -> Iterator[Callable[[int, np.ndarray], None]]:
    """Yield `write(index, frame)`; frames land in a temp folder beside `out_dir`, which
    replaces `out_dir` only when the block exits cleanly. An existing `out_dir` may only hold
    an earlier sequence (frame_*.png), so a wrong path never deletes someone's files."""
    from PIL import Image

    out_dir = Path(out_dir)
    if out_dir.exists():
        if not out_dir.is_dir():
            raise DreamreelError(f"{out_dir}: is a file, not a folder; choose an empty or new folder for the PNGs")
        if any(not re.fullmatch(r"frame_\d+\.png", p.name) for p in out_dir.iterdir()):
            raise DreamreelError(f"{out_dir}: folder holds other files; choose an empty or new folder")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = mkdtemp_beside(out_dir)

    def write(index: int, frame: np.ndarray) -> None:
        Image.fromarray(np.asarray(frame, dtype=np.uint8)).save(tmp / f"frame_{index:06d}.png", compress_level=1)

    try:
        yield write
        if out_dir.exists():
            old = out_dir.with_name(f"{temp_prefix(out_dir)}old")
            os.replace(out_dir, old)
            os.replace(tmp, out_dir)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@dataclass(frozen=True)
class MediaInfo:
    """What `ffmpeg -i` says about a file."""

    duration_s: float
    fps: float | None
    width: int | None
    height: int | None
    has_audio: bool
    video_codec: str | None


def probe(path: str | Path) -> MediaInfo:
    """Parse `ffmpeg -i FILE` stderr (no ffprobe is bundled)."""
    r = subprocess.run([ffmpeg_exe(), "-hide_banner", "-i", ffmpeg_url(path)], capture_output=True, text=True,
                       **child_kwargs())
    text = r.stderr
    m = re.search(r"Duration: (\d+):(\d+):(\d+(?:\.\d+)?)", text)
    if not m:
        raise FfmpegError(f"{path}: ffmpeg cannot read it: {_tail(text)}")
    duration = int(m[1]) * 3600 + int(m[2]) * 60 + float(m[3])
    video = re.search(r"Stream #\S+.*?: Video: (\w+).*?, (\d{2,5})x(\d{2,5}).*?, ([\d.]+) (?:fps|tbr)", text)
    return MediaInfo(
        duration_s=duration,
        fps=float(video[4]) if video else None,
        width=int(video[2]) if video else None,
        height=int(video[3]) if video else None,
        has_audio=bool(re.search(r"Stream #\S+.*?: Audio:", text)),
        video_codec=video[1] if video else None,
    )


def read_video_frames(path: str | Path, width: int, height: int) -> np.ndarray:
    """Decode every video frame back to uint8 (N, H, W, 3) (for checks and tests)."""
    r = subprocess.run([ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", ffmpeg_url(path),
                        "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, **child_kwargs())
    if r.returncode != 0:
        raise FfmpegError(f"{path}: cannot decode: {_tail(r.stderr.decode('utf-8', 'replace'))}")
    return np.frombuffer(r.stdout, dtype=np.uint8).reshape(-1, height, width, 3)
