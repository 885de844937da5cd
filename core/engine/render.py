"""Rendering a project: plan -> keyframes (cached) -> in-between frames -> MP4 / PNGs.

Public API (Qt-free; the editor calls these from a worker thread or subprocess):

- `plan_render(project, engine, cache, *, t_range=None, analysis=None,
  seconds_per_iteration=None) -> RenderPlan` — the schedule, which keyframes are still to do,
  frame range, and the cost estimate (`plan.estimate_s`). `engine` may be an identity dict.
- `render_keyframes(project, engine, cache, *, t_range=None, analysis=None, plan=None,
  progress=None, cancel=None, on_keyframe=None) -> RenderPlan` — computes every missing
  keyframe the range needs, each stored in the cache the moment it is done (so a killed
  render resumes where it stopped).
- `iter_frames(project, engine, cache, plan, *, analysis=None, burn_lyrics=None, cancel=None)`
  (in `frames`, re-exported here)
  yields (frame_index, uint8 (H, W, 3)) for the plan's frame range.
- `render_video(project, engine, cache, out_path=None, *, png_dir=None, t_range=None,
  analysis=None, minterpolate_fps=None, burn_lyrics=None, progress=None, cancel=None,
  on_keyframe=None, crf=None) -> RenderResult` — all of the above, then MP4 and/or PNG sequence.
- what the cache holds of a plan, per block (the editor's states, the export estimate):
  `dreamreel.core.engine.states.plan_states`.

Hooks: `progress(done, total, message)` — message starts with "keyframe" (done/total count
optimisation iterations) or "frames"/"encoding" (done/total count frames);
`cancel() -> bool` is polled between steps (True raises `Cancelled`; finished keyframes stay
cached); `on_keyframe(KeyframeEvent)` fires once per needed keyframe as it becomes available.
Music drives (DESIGN §3.5) need the song's analysis; pass one, or it is loaded through
`dreamreel.core.audio.load_or_analyze` into the user's audio cache (shared with the editor). Without a song they are off.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


from dreamreel.core.engine import music
from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.frames import caption_text, iter_frames, shown_keyframes, shown_latent  # noqa: F401 (re-exported)
from dreamreel.core.engine.schedule import PlannedKeyframe, with_ancestors
from dreamreel.core.errors import Cancelled, DreamreelError
from dreamreel.core.hooks import CancelHook, Progress
from dreamreel.core.project import Project



@dataclass(frozen=True)
class KeyframeEvent:
    """A keyframe became available (computed now, or found in the cache)."""

    block_id: str
    index: int  # within its block
    key: str
    preview_path: Path | None
    cached: bool  # True when it was already in the cache
    done: int  # keyframes available so far in this render
    total: int  # keyframes this render needs


@dataclass
class RenderPlan:
    """What a render will do. Frame i shows song time i/fps; frames [first_frame, end_frame)."""

    keyframes: list[PlannedKeyframe]
    needed: list[int]  # indices into keyframes the frame range needs (ancestors included)
    todo: list[int]  # needed and not yet cached
    fps: int
    first_frame: int
    end_frame: int
    duration_s: float  # the whole song
    seconds_per_iteration: float | None = None
    computed: list[str] = field(default_factory=list)  # keys computed by render_keyframes

    @property
    def n_frames(self) -> int:
        return self.end_frame - self.first_frame

    @property
    def iterations_todo(self) -> int:
        return sum(self.keyframes[i].spec.iterations for i in self.todo)

    @property
    def estimate_s(self) -> float | None:
        """keyframes to do × their iterations × measured seconds per iteration."""
        if self.seconds_per_iteration is None:
            return None
        return self.iterations_todo * self.seconds_per_iteration


@dataclass
class RenderResult:
    """What `render_video` produced."""

    plan: RenderPlan
    out_path: Path | None
    png_dir: Path | None


# --- song, analysis ---------------------------------------------------------------------------


def song_duration_s(project: Project) -> float:
    """The song's length (project metadata, else ffmpeg), else the end of the last block."""
    if project.duration_ms:
        return project.duration_ms / 1000.0
    path = project.audio_path()
    if path is not None and path.exists():
        from dreamreel.core.export import probe

        return probe(path).duration_s
    if project.blocks:
        return max(b.end_ms for b in project.blocks) / 1000.0
    raise DreamreelError("nothing to render: the project has no song and no blocks")


def _uses_music(project: Project) -> bool:
    m = project.render.music
    return bool(m.effort or m.pacing or m.pulse or (m.clusters and m.cluster_strength))


def load_analysis(project: Project, cache: KeyframeCache):
    """The song's analysis when a music drive needs it and the song exists, else None."""
    path = project.audio_path()
    if not _uses_music(project) or path is None or not path.exists():
        return None
    from dreamreel.core.audio import default_cache_dir, load_or_analyze

    # The project records the song's hash at import: no need to re-read the whole file. One
    # analysis cache (the user's, content-addressed by song hash and parameters) serves the
    # editor's timeline and every render, so a song is analysed once.
    sha256 = project.audio.sha256 if project.audio is not None and project.audio.sha256 else None
    return load_or_analyze(path, default_cache_dir(), sha256=sha256)


def _identity(engine) -> dict:
    return engine if isinstance(engine, dict) else engine.identity()


def music_effort_fn(project: Project, analysis):
    """The beat-following effort of `project` as `plan_keyframes` takes it, or None (off, or no
    analysis)."""
    s = project.render
    if analysis is None or not s.music.effort:
        return None
    return lambda times: music.effort_factors(  # noqa: E731
        times, analysis.times, analysis.rms, analysis.onset_strength, s.music.effort, 1.0 / s.keyframes_per_second,
    )


# --- planning and keyframes -------------------------------------------------------------------


def plan_render(project: Project, engine, cache: KeyframeCache, *, t_range: tuple[float, float] | None = None,
                analysis=None, seconds_per_iteration: float | None = None, states=None) -> RenderPlan:
    """The render plan for [t_range) seconds (default: the whole song). The keyframes and what
    the cache holds of them come from `states.plan_states` (one cache lookup per key), or are
    `states` when given (the `EngineStates` of this very project, engine and cache, e.g. the
    editor's latest)."""
    if not project.blocks:
        raise DreamreelError("nothing to render: the project has no blocks; import lyrics first")
    fps = project.render.fps
    duration = song_duration_s(project)
    total_frames = max(1, int(round(duration * fps)))
    t0, t1 = t_range if t_range is not None else (0.0, duration)
    if not (math.isfinite(t0) and math.isfinite(t1)):
        raise DreamreelError(f"time range {t0:g}-{t1:g} s: start and end must be finite seconds")
    first, end = max(0, int(round(t0 * fps))), min(total_frames, int(round(t1 * fps)))
    if end <= first:
        raise DreamreelError(f"empty time range {t0:g}-{t1:g} s (song is {duration:.2f} s)")
    if states is None:
        from dreamreel.core.engine.states import plan_states

        states = plan_states(project, _identity(engine), cache, analysis=analysis)  # effort shapes keys
    keyframes = states.keyframes
    # A range starts from the nearest cached ancestor, not from the song's first keyframe.
    needed = with_ancestors(keyframes, shown_keyframes(project, keyframes, fps, first, end, states.analysis),
                            stop_at=states.cached)
    todo = [i for i in needed if keyframes[i].key not in states.cached]
    return RenderPlan(keyframes, needed, todo, fps, first, end, duration, seconds_per_iteration)


def measure_seconds_per_iteration(engine, spec, steps: int = 2) -> float:
    """Time `steps` optimisation steps of `engine` on this device (seconds per iteration)."""
    from dataclasses import replace

    spec = replace(spec, iterations=steps, init_key=None)
    z = engine.random_latent(spec)
    start = time.perf_counter()
    engine.keyframe(spec, z)
    return (time.perf_counter() - start) / max(1, steps)


def render_keyframes(project: Project, engine, cache: KeyframeCache, *, t_range=None, analysis=None,
                     plan: RenderPlan | None = None, progress: Progress | None = None,
                     cancel: CancelHook | None = None,
                     on_keyframe: Callable[[KeyframeEvent], None] | None = None) -> RenderPlan:
    """Make sure every keyframe the range needs is in the cache; returns the plan used."""
    if plan is None:
        plan = plan_render(project, engine, cache, t_range=t_range, analysis=analysis)
    total_iters = sum(max(1, plan.keyframes[i].spec.iterations) for i in plan.todo) or 1
    done_iters, prev = 0, None  # prev: (key, latent) of the keyframe just before
    for n, i in enumerate(plan.needed):
        if cancel is not None and cancel():
            raise Cancelled()
        kf = plan.keyframes[i]
        z = cache.get(kf.key)  # verified; a corrupt entry is deleted and recomputed below
        cached = z is not None
        if z is None:
            init = _init_latent(engine, cache, kf, prev)
            label = f"keyframe {n + 1}/{len(plan.needed)}"
            base = done_iters

            def step(k: int, total: int, loss: float, base=base, label=label) -> bool:
                if progress is not None:
                    progress(base + k, total_iters, label)
                return bool(cancel is not None and cancel())

            z = engine.keyframe(kf.spec, init, callback=step).detach().cpu()
            preview = engine.decode(shown_latent(engine, z))[0]
            cache.put(kf.key, z, preview, {"block_id": kf.block_id, "index": kf.index, "t_ms": kf.t_ms})
            done_iters += max(1, kf.spec.iterations)
            if progress is not None:
                progress(done_iters, total_iters, label)
            if plan.todo and plan.todo[0] == i:  # todo is in `needed` order: i is its head
                plan.todo.pop(0)
            else:
                plan.todo = [j for j in plan.todo if j != i]
            plan.computed.append(kf.key)
        prev = (kf.key, z)
        if on_keyframe is not None:
            on_keyframe(KeyframeEvent(kf.block_id, kf.index, kf.key, cache.preview_path(kf.key), cached,
                                      n + 1, len(plan.needed)))
    return plan


def _init_latent(engine, cache: KeyframeCache, kf: PlannedKeyframe, prev):
    if kf.spec.init_key is None:
        return engine.random_latent(kf.spec)
    if prev is not None and prev[0] == kf.spec.init_key:
        return prev[1]
    z = cache.get(kf.spec.init_key)
    if z is None:
        raise DreamreelError(f"keyframe {kf.key[:12]}: its init keyframe is missing from the cache; render again")
    return z


def check_outputs(out_path: str | Path | None = None, png_dir: str | Path | None = None) -> None:
    """Refuse, before any rendering, an output file that names a folder or a PNG folder that
    names a file (DreamreelError, one line)."""
    if out_path is not None and Path(out_path).is_dir():
        raise DreamreelError(f"{out_path}: is a folder; give a file name for the video, e.g. {Path(out_path) / 'out.mp4'}")
    if png_dir is not None and Path(png_dir).exists() and not Path(png_dir).is_dir():
        raise DreamreelError(f"{png_dir}: is a file, not a folder; choose an empty or new folder for the PNGs")


def render_video(project: Project, engine, cache: KeyframeCache, out_path: str | Path | None = None, *,
                 png_dir: str | Path | None = None, t_range=None, analysis=None,
                 minterpolate_fps: int | None = None, burn_lyrics: bool | None = None,
                 seconds_per_iteration: float | None = None, plan: RenderPlan | None = None,
                 progress: Progress | None = None, cancel: CancelHook | None = None,
                 on_keyframe: Callable[[KeyframeEvent], None] | None = None, audio: bool = True,
                 crf: int | None = None) -> RenderResult:
    """Render keyframes, then frames to an MP4 (with the song unless `audio=False`) and/or a PNG
    sequence. Outputs appear under their final names only when complete. `crf`: the H.264
    quality (lower is better and bigger; None: `encode_mp4`'s default)."""
    import contextlib

    from dreamreel.core.export import encode_mp4, png_sequence

    if out_path is None and png_dir is None:
        raise DreamreelError("nothing to write: give an output file or a PNG folder")
    check_outputs(out_path, png_dir)
    if out_path is not None:  # every caller (CLI, the editor's export): never over the song or project
        from dreamreel.core.outputs import check_not_input

        check_not_input(out_path, {"project": project.path, "song": project.audio_path()}, flag="output")
    if project.render.interpolation == "auto":  # the engine's default (the CLI settles it itself)
        import sys
        from dataclasses import replace

        from dreamreel.core.engine.interpolate import settle_interpolation

        mode = settle_interpolation(project.render, warn=lambda m: print(m, file=sys.stderr))
        project = replace(project, render=replace(project.render, interpolation=mode))
    if project.render.interpolation == "minterpolate" and out_path is not None:  # (the CLI splits before planning)
        from dataclasses import replace

        from dreamreel.core.engine.interpolate import minterpolate_split

        project = replace(project, render=replace(project.render))
        minterpolate_fps, plan = minterpolate_split(project.render), None
    if analysis is None:
        analysis = load_analysis(project, cache)
    if plan is None:  # the CLI passes the plan it already showed the user
        plan = plan_render(project, engine, cache, t_range=t_range, analysis=analysis,
                           seconds_per_iteration=seconds_per_iteration)
    render_keyframes(project, engine, cache, plan=plan, progress=progress, cancel=cancel, on_keyframe=on_keyframe)
    s = project.render
    frames = iter_frames(project, engine, cache, plan, analysis=analysis, burn_lyrics=burn_lyrics, cancel=cancel)
    with contextlib.ExitStack() as stack:
        write_png = stack.enter_context(png_sequence(png_dir)) if png_dir is not None else None

        def stream():
            for n, (index, img) in enumerate(frames):
                if write_png is not None:
                    write_png(index, img)
                if progress is not None and out_path is None:
                    progress(n + 1, plan.n_frames, "frames")
                yield img

        if out_path is not None:
            song = project.audio_path() if audio else None
            song = song if song is not None and song.exists() else None
            encode_mp4(stream(), out_path, width=s.width, height=s.height, fps=s.fps, n_frames=plan.n_frames,
                       audio_path=song, audio_start_s=plan.first_frame / s.fps,
                       audio_duration_s=plan.n_frames / s.fps,
                       minterpolate_fps=minterpolate_fps, progress=progress, cancel=cancel,
                       **({"crf": int(crf)} if crf is not None else {}))
        else:
            for _ in stream():
                if cancel is not None and cancel():
                    raise Cancelled()
    return RenderResult(plan, Path(out_path) if out_path else None, Path(png_dir) if png_dir else None)
