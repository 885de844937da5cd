"""`dreamreel render PROJECT -o OUT.mp4`: keyframes (cached, resumable) then the video.

Engine: `--engine` or the project's `render.engine`, any engine of the registry
(`dreamreel engines` lists them); `--set NAME=VALUE` changes one of its own settings for this
render. When the project's engine cannot load (its weights are not on disk, say), one line says
so and the registry's default engine renders instead; an explicit `--engine` fails clearly
(exit 2) instead.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from dreamreel.core.errors import DreamreelError, ModelNotFoundError
from dreamreel.core.outputs import check_not_input, check_overwrite, check_video_output, inside


def register(subparsers) -> None:
    p = subparsers.add_parser("render", help="render a project to MP4 and/or PNGs",
                              description="Render a project's keyframes (cached) and export the video.")
    p.add_argument("project", help="the .dreamreel project file")
    p.add_argument("-o", "--output", help="output MP4 path")
    p.add_argument("--engine", metavar="NAME", help="override the project's engine (see `dreamreel engines`)")
    p.add_argument("--set", dest="engine_settings", action="append", default=[], metavar="NAME=VALUE",
                   help="change one of the engine's own settings for this render (repeatable)")
    p.add_argument("--from", dest="t_from", type=float, metavar="S", help="start time in seconds")
    p.add_argument("--to", dest="t_to", type=float, metavar="S", help="end time in seconds")
    p.add_argument("--device", choices=("auto", "cpu", "cuda", "mps"), help="torch device (AI engines)")
    p.add_argument("--fps", type=int, help="output frame rate (overrides the project)")
    p.add_argument("--size", metavar="WxH", help="picture size, e.g. 256x256 (overrides the project)")
    p.add_argument("--png-dir", metavar="DIR", help="also (or only) write a PNG sequence here")
    p.add_argument("--minterpolate", type=int, metavar="FPS",
                   help="ffmpeg motion-interpolate the MP4 up to this frame rate")
    p.add_argument("--interpolation", choices=("latent", "linear", "slerp", "rife", "minterpolate"),
                   help="in-betweens: latent blends (linear/slerp; latent = the project's or linear), "
                        "the RIFE network on decoded keyframes, or ffmpeg minterpolate from the keyframe rate")
    p.add_argument("--dry-run", action="store_true", help="list what would be rendered and the estimate")
    p.add_argument("--json", action="store_true",
                   help="with --dry-run: print the plan as JSON on standard output (every keyframe the range "
                        "needs: time, block, prompts, iterations, what it starts from)")
    p.add_argument("--cache", metavar="DIR", help="keyframe cache folder (default: <project>.dreamreel-cache)")
    p.add_argument("--vqgan-config", metavar="YAML", help="local VQGAN config (same as --set vqgan_config=YAML)")
    p.add_argument("--vqgan-ckpt", metavar="CKPT", help="local VQGAN checkpoint (same as --set vqgan_ckpt=CKPT)")
    p.add_argument("--clip-ckpt", metavar="FILE", help="local CLIP checkpoint (same as --set clip_ckpt=FILE)")
    p.add_argument("--sd-model", metavar="PATH_OR_ID",
                   help="Stable Diffusion model: preset, diffusers folder, .safetensors or hub id "
                        "(same as --set sd_model=PATH_OR_ID)")
    p.add_argument("--quiet", action="store_true", help="no progress bars")
    p.add_argument("--force", action="store_true", help="replace an existing video or PNG folder")
    p.add_argument("--audio", metavar="SONG", help="relink the project to this song (saved in the project), then render")
    p.add_argument("--no-audio", action="store_true", help="render a silent video on purpose (even when the song is missing)")
    p.set_defaults(func=run)


# Older flags that are engine settings by another name.
_SETTING_FLAGS = ("vqgan_config", "vqgan_ckpt", "clip_ckpt", "sd_model")


def _apply_overrides(project, args) -> None:
    from dreamreel.core.engine import registry
    from dreamreel.core.project import check_render_settings

    s = project.render
    if args.engine:
        registry.get(args.engine)  # unknown: one line naming the installed engines
        s.engine = args.engine
    if args.fps is not None:
        s.fps = args.fps
        s.keyframes_per_second = min(s.keyframes_per_second, s.fps)
    if args.size:
        try:
            w, h = (int(v) for v in args.size.lower().split("x"))
        except ValueError:
            raise DreamreelError(f"--size {args.size}: expected WIDTHxHEIGHT, e.g. 256x256") from None
        s.width, s.height = w, h
    if args.device:
        s.device = args.device
    if args.interpolation:
        latent = args.interpolation == "latent"
        s.interpolation = (s.interpolation if s.interpolation in ("linear", "slerp") else "linear") if latent \
            else args.interpolation
    entry = registry.get(s.engine)
    texts = list(args.engine_settings)
    names = {i.name for i in entry.settings_info()}
    texts += [f"{name}={getattr(args, name)}" for name in _SETTING_FLAGS if getattr(args, name) and name in names]
    s.update_engine(entry.name, **dict(registry.parse_setting(entry.settings_cls, t) for t in texts))
    problem = check_render_settings(s)
    if problem:
        raise DreamreelError(f"render settings: {problem}")


def _check_outputs(args, project, cache_root: Path) -> None:
    """Outputs never replace an input (project, song, keyframe cache) nor, without --force, an
    existing video or PNG folder."""
    inputs = {"project": project.path, "song": project.audio_path()}
    if args.output:
        check_not_input(args.output, inputs)
        if inside(args.output, cache_root):
            raise DreamreelError(f"-o {args.output}: is inside the keyframe cache {cache_root}; write the video elsewhere")
        check_overwrite(args.output, args.force)
    if args.png_dir:
        check_not_input(args.png_dir, inputs, flag="--png-dir")
        for role, path in {**inputs, "keyframe cache": cache_root}.items():
            if path is not None and (inside(path, args.png_dir) or inside(args.png_dir, path)):
                raise DreamreelError(f"--png-dir {args.png_dir}: holds or lies in the {role} ({path}); "
                                     f"choose an empty or new folder")
        check_overwrite(args.png_dir, args.force, flag="--png-dir", folder=True)


def _settle_song(args, project) -> bool:
    """Check the song against the project before any work (DESIGN §1.2); True to render silently.

    --audio relinks (saved); a missing song refuses unless --no-audio; a changed song gets one
    line and the render follows it (new hash: analysis redone; new length: the video stops at
    the song's end)."""
    from dreamreel.core.song_check import accept_song, check_song

    if args.audio and args.no_audio:
        raise DreamreelError("--audio and --no-audio: give one of them")
    if args.audio:
        from dreamreel.core.cli.relink_cmd import relink_and_save

        print(relink_and_save(project, args.audio), file=sys.stderr)
    check = check_song(project)
    if check.state == "missing":
        if not args.no_audio:
            raise DreamreelError(f"{check.message()}, or pass --no-audio to render without sound")
        print(f"dreamreel render: song {check.path} is missing; rendering without sound or music drives (--no-audio)",
              file=sys.stderr)
    elif check.state == "changed":
        print(f"dreamreel render: {check.message()}; rendering with it: music analysis redone, "
              f"the video ends with the song", file=sys.stderr)
        accept_song(project, check)
    return bool(args.no_audio)


def make_engine(project, args, warn=print):
    """The engine to render with (see module docstring for the fallback rule): the project's
    settings with the flags applied already."""
    from dreamreel.core.engine import registry

    s = project.render
    entry = registry.get(s.engine)
    try:
        return entry.load(s)
    except (ModelNotFoundError, ImportError) as e:
        if args.engine or entry.name == registry.DEFAULT_ENGINE:
            if isinstance(e, ImportError):
                raise DreamreelError(f"{entry.name} engine unavailable ({e}); install dreamreel fully") from None
            raise
        fallback = registry.get(registry.DEFAULT_ENGINE)
        warn(f"dreamreel render: {str(e).splitlines()[0] if str(e) else f'{entry.name} unavailable'}"
             f" -- rendering with the {fallback.name} engine instead")
        s.engine = fallback.name
        return fallback.load(s)


class _Bars:
    """tqdm bars, one per phase (keyframe iterations, then frames)."""

    def __init__(self, quiet: bool):
        self.quiet, self.bar, self.phase = quiet, None, None

    def __call__(self, done: int, total: int, msg: str) -> None:
        if self.quiet:
            return
        from tqdm import tqdm

        phase = "keyframes" if msg.startswith("keyframe") else "frames"
        if phase != self.phase:
            self.close()
            unit = "it" if phase == "keyframes" else "frame"
            self.bar = tqdm(total=total, desc=phase, unit=unit, file=sys.stderr, dynamic_ncols=True)
            self.phase = phase
        self.bar.total = total
        if phase == "keyframes" and msg != self.bar.postfix:
            self.bar.set_postfix_str(msg, refresh=False)
        self.bar.update(done - self.bar.n)  # update() rate-limits redraws; ETA comes with it

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _fmt_s(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def run(args: argparse.Namespace) -> int:
    """`dreamreel render`: the plan (--dry-run, --json), or the keyframes and the video."""
    if not args.output and not args.png_dir and not args.dry_run:
        raise DreamreelError("render: give -o OUT.mp4, --png-dir DIR, or --dry-run")
    if args.json and not args.dry_run:
        raise DreamreelError("render --json: prints the plan, so it goes with --dry-run (nothing is rendered)")
    if args.json:  # standard output holds the JSON alone: anything else printed goes to stderr
        import contextlib

        stdout = sys.stdout
        with contextlib.redirect_stdout(sys.stderr):
            plan_doc = _run(args, json_plan=True)
        stdout.write(json.dumps(plan_doc, indent=2, ensure_ascii=False, allow_nan=False) + "\n")
        return 0
    return _run(args)


def plan_as_json(project, engine_name: str, plan, cache_root, cached: set[str]) -> dict:
    """The render plan as plain JSON: every keyframe the range needs, in video order, with
    its time, block, prompts ({text, weight, stop}; stop null when none), iterations and what
    it starts from: "cached" (in the cache, read as it is), "random" (random tokens from
    `seed`) or "keyframe" (warm start from the keyframe `init_key`)."""
    s = project.render
    keyframes = []
    for i in plan.needed:
        kf = plan.keyframes[i]
        spec = kf.spec
        start = "cached" if kf.key in cached else "random" if spec.init_key is None else "keyframe"
        keyframes.append({
            "t": kf.t_ms / 1000, "t_ms": kf.t_ms, "block_id": kf.block_id, "index": kf.index, "key": kf.key,
            "prompts": [{"text": p.text, "weight": p.weight, "stop": None if p.stop == -math.inf else p.stop}
                        for p in spec.prompts],
            "iterations": spec.iterations, "seed": spec.seed, "start": start, "init_key": spec.init_key,
        })
    return {
        "project": str(project.path) if project.path else None, "engine": engine_name,
        "width": s.width, "height": s.height, "fps": s.fps, "frames": plan.n_frames,
        "first_frame": plan.first_frame, "end_frame": plan.end_frame,
        "keyframes_needed": len(plan.needed), "keyframes_to_render": len(plan.todo),
        "iterations_to_render": plan.iterations_todo, "estimate_s": plan.estimate_s,
        "cache": str(cache_root), "keyframes": keyframes,
    }


def _run(args: argparse.Namespace, json_plan: bool = False):
    """The render; with `json_plan` (a dry run) the plan as `plan_as_json` instead of the listing."""
    from dreamreel.core.engine import registry
    from dreamreel.core.engine.cache import KeyframeCache, default_cache_dir
    from dreamreel.core.engine.render import (
        load_analysis,
        measure_seconds_per_iteration,
        plan_render,
        render_video,
    )
    from dreamreel.core.project import load_project

    for flag, value in (("--from", args.t_from), ("--to", args.t_to)):
        if value is not None and not math.isfinite(value):
            raise DreamreelError(f"{flag} {value}: give a time in seconds (a finite number)")
    if not args.dry_run and args.output:
        check_video_output(args.output)  # before any slow loading or rendering
    project = load_project(args.project)
    mute = _settle_song(args, project)  # missing or changed song: refuse, relink or follow it
    _apply_overrides(project, args)
    minterpolate_fps = args.minterpolate
    if project.render.interpolation == "rife":
        from dreamreel.core.engine.rife import resolve_rife_weights

        resolve_rife_weights()  # before any slow work: ModelNotFoundError says how to fetch them
    elif project.render.interpolation == "minterpolate":
        from dreamreel.core.engine.interpolate import minterpolate_split

        minterpolate_fps = minterpolate_split(project.render)
    cache = KeyframeCache(args.cache or default_cache_dir(project.path))
    if not args.dry_run:
        _check_outputs(args, project, cache.root)
    engine = make_engine(project, args, warn=lambda m: print(m, file=sys.stderr))
    entry = registry.get(project.render.engine)
    t_range = None
    if args.t_from is not None or args.t_to is not None:
        from dreamreel.core.engine.render import song_duration_s

        t_range = (args.t_from or 0.0, args.t_to if args.t_to is not None else song_duration_s(project))
    analysis = load_analysis(project, cache)
    plan = plan_render(project, engine, cache, t_range=t_range, analysis=analysis)
    if plan.todo:
        plan.seconds_per_iteration = measure_seconds_per_iteration(
            engine, plan.keyframes[plan.todo[0]].spec, steps=entry.timing_steps)
    s = project.render
    est = f", about {_fmt_s(plan.estimate_s)} on this device" if plan.estimate_s is not None else ""
    print(f"{engine.name}: {len(plan.todo)} of {len(plan.needed)} keyframes to render "
          f"({plan.iterations_todo} iterations{est}); {plan.n_frames} frames at {s.fps} fps, "
          f"{s.width}x{s.height}; cache {cache.root}", file=sys.stderr)
    device = getattr(getattr(engine, "device", None), "type", "cpu")
    need = entry.memory_bytes(s, device)
    if need is not None:
        from dreamreel.core.engine.devices import format_bytes

        print(f"memory: about {format_bytes(need)} on {device} for {s.width}x{s.height}", file=sys.stderr)
    if json_plan:
        cached = {plan.keyframes[i].key for i in plan.needed} - {plan.keyframes[i].key for i in plan.todo}
        return plan_as_json(project, engine.name, plan, cache.root, cached)
    if args.dry_run:
        for i in plan.todo:
            kf = plan.keyframes[i]
            start = "random" if kf.spec.init_key is None else kf.spec.init_key[:12]
            text = " | ".join(p.text for p in kf.spec.prompts)[:60]
            print(f"{kf.t_ms / 1000:8.2f}s  {kf.block_id}#{kf.index:<3d} {kf.key[:12]}  "
                  f"iters={kf.spec.iterations:<4d} init={start:12s}  {text}")
        return 0
    bars = _Bars(args.quiet)
    try:
        result = render_video(project, engine, cache, args.output, png_dir=args.png_dir, t_range=t_range,
                              analysis=analysis, minterpolate_fps=minterpolate_fps, progress=bars, plan=plan,
                              audio=not mute)
    finally:
        bars.close()
    for path in (result.out_path, result.png_dir):
        if path is not None:
            print(f"wrote {Path(path)}", file=sys.stderr)
    return 0
