"""The render pipeline end to end with the draft engine: frames, MP4, cache reuse, edits."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from dreamreel.core.engine.cache import KeyframeCache
from dreamreel.core.engine.render import (
    iter_frames,
    load_analysis,
    plan_render,
    render_keyframes,
    render_video,
)
from dreamreel.core.engine.states import plan_states
from dreamreel.core.errors import Cancelled
from dreamreel.core.export import probe, read_video_frames
from test_render_support import counting_draft, make_project


def test_mp4_length_fps_audio_and_block_starts(tmp_path):
    p = make_project(tmp_path)  # 3.0 s at 10 fps, blocks at 0, 1.0, 2.4
    engine, cache = counting_draft(), KeyframeCache(tmp_path / "cache")
    events = []
    result = render_video(p, engine, cache, tmp_path / "out.mp4", on_keyframe=events.append)
    info = probe(result.out_path)
    assert info.has_audio and info.fps == 10 and abs(info.duration_s - 3.0) <= 0.1 + 1e-9
    video = read_video_frames(result.out_path, 64, 64)
    assert len(video) == 30 == result.plan.n_frames
    # Frame round(t*fps) shows the new block: it differs from the frames before it.
    for start in (10, 24):
        assert np.abs(video[start].astype(int) - video[start - 1]).mean() > 3
    assert len(engine.calls) == len(result.plan.keyframes) == len(events)
    assert [e.done for e in events] == list(range(1, len(events) + 1))
    assert all(e.preview_path is not None and e.preview_path.exists() and not e.cached for e in events)


def test_frame_at_block_start_is_that_blocks_first_keyframe(tmp_path):
    p = make_project(tmp_path, blocks=[("red fire", 0.0, 1.04), ("blue ocean", 1.04, 3.0)])
    engine, cache = counting_draft(), KeyframeCache(tmp_path / "cache")
    plan = render_keyframes(p, engine, cache)
    frames = dict(iter_frames(p, engine, cache, plan, burn_lyrics=False))
    first_b = next(k for k in plan.keyframes if k.block_id == "b1")
    expect = engine.decode(cache.get(first_b.key))[0]
    # round(1.04 * 10) = 10; compare away from the "draft" corner mark.
    assert np.array_equal(frames[10][32:, :32], expect[32:, :32])
    assert not np.array_equal(frames[9][32:, :32], expect[32:, :32])
    # A gap between blocks keeps morphing towards the next block (no frozen frames).
    assert len(frames) == 30 and sorted(frames) == list(range(30))


def test_second_render_uses_the_cache(tmp_path):
    p = make_project(tmp_path)
    cache = KeyframeCache(tmp_path / "cache")
    render_keyframes(p, counting_draft(), cache)
    again = counting_draft()
    events = []
    plan = render_keyframes(p, again, cache, on_keyframe=events.append)
    assert again.calls == [] and plan.todo == [] and plan.computed == []
    assert all(e.cached for e in events)


def test_per_block_edit_recomputes_only_that_block(tmp_path):
    p = make_project(tmp_path, continuity="per-block")
    cache = KeyframeCache(tmp_path / "cache")
    render_keyframes(p, counting_draft(), cache)
    ident = counting_draft().identity()
    assert all(n == total for n, total in plan_states(p, ident, cache).counts.values())
    p.blocks[1].text = "violet storm"
    found = plan_states(p, ident, cache)
    states = found.counts
    assert states["b0"][0] == states["b0"][1] and states["b2"][0] == states["b2"][1]
    assert states["b1"][0] == 0 and "b1" not in found.previews
    engine = counting_draft()
    plan = render_keyframes(p, engine, cache)
    redone = {plan.keyframes[i].block_id for i in range(len(plan.keyframes)) if plan.keyframes[i].key in plan.computed}
    assert redone == {"b1"} and len(engine.calls) == states["b1"][1]
    assert all(s.prompts[0].text == "violet storm" for s in engine.calls)
    assert Path(plan_states(p, ident, cache).previews["b1"]).exists()


def test_chain_edit_recomputes_the_block_and_everything_after(tmp_path):
    p = make_project(tmp_path, continuity="chain")
    cache = KeyframeCache(tmp_path / "cache")
    full = render_keyframes(p, counting_draft(), cache)
    p.blocks[1].text = "violet storm"
    engine = counting_draft()
    render_keyframes(p, engine, cache)
    n_a = sum(k.block_id == "b0" for k in full.keyframes)
    assert len(engine.calls) == len(full.keyframes) - n_a


def test_corrupt_entry_is_recomputed_and_nothing_else(tmp_path):
    p = make_project(tmp_path)
    cache = KeyframeCache(tmp_path / "cache")
    plan = render_keyframes(p, counting_draft(), cache)
    victim = plan.keyframes[3].key
    path = cache.latent_path(victim)
    path.write_bytes(path.read_bytes()[:-8] + b"\xff" * 8)
    before = cache.get(plan.keyframes[4].key)
    engine = counting_draft()
    render_keyframes(p, engine, cache)
    assert len(engine.calls) == 1 and cache.get(victim) is not None
    assert np.array_equal(cache.get(plan.keyframes[4].key), before)


def test_cancel_keeps_finished_keyframes_and_resume_matches(tmp_path):
    p = make_project(tmp_path)
    cache = KeyframeCache(tmp_path / "cache")
    seen = []
    with pytest.raises(Cancelled):
        render_keyframes(p, counting_draft(), cache, on_keyframe=seen.append, cancel=lambda: len(seen) >= 3)
    assert len(cache.keys()) == 3
    engine = counting_draft()
    plan = render_keyframes(p, engine, cache)
    assert len(engine.calls) == len(plan.keyframes) - 3
    ref = KeyframeCache(tmp_path / "ref")
    render_keyframes(p, counting_draft(), ref)
    for k in plan.keyframes:
        assert np.array_equal(cache.get(k.key), ref.get(k.key))


def test_time_range_renders_only_what_it_needs(tmp_path):
    p = make_project(tmp_path, continuity="per-block")
    engine, cache = counting_draft(), KeyframeCache(tmp_path / "cache")
    result = render_video(p, engine, cache, tmp_path / "part.mp4", t_range=(1.0, 2.0))
    assert result.plan.n_frames == 10 and result.plan.first_frame == 10
    assert {s.prompts[0].text for s in engine.calls} <= {"ocean blue", "golden forest"}
    info = probe(result.out_path)
    assert abs(info.duration_s - 1.0) <= 0.1 and info.has_audio
    assert len(read_video_frames(result.out_path, 64, 64)) == 10


def test_plan_estimate_and_music_drives(tmp_path):
    p = make_project(tmp_path, seconds=3.0)
    m = p.render.music
    m.effort, m.pacing, m.pulse, m.clusters, m.cluster_strength = 1.0, 1.0, 1.0, 2, 0.5
    cache = KeyframeCache(tmp_path / "cache")
    plan = plan_render(p, counting_draft(), cache, seconds_per_iteration=0.5)
    assert plan.estimate_s == pytest.approx(plan.iterations_todo * 0.5)
    analysis = load_analysis(p, cache)
    assert analysis is not None
    driven = plan_render(p, counting_draft(), cache, analysis=analysis)
    iters = [k.spec.iterations for k in driven.keyframes[1:]]
    assert len(set(iters)) > 1  # loudness changes the effort per keyframe
    out = render_video(p, counting_draft(), cache, None, png_dir=tmp_path / "pngs", analysis=analysis)
    assert len(list(out.png_dir.iterdir())) == 30


def test_states_match_the_render_when_effort_is_on(tmp_path):
    p = make_project(tmp_path)
    p.render.music.effort = 1.0
    cache = KeyframeCache(tmp_path / "cache")
    ident = counting_draft().identity()
    render_keyframes(p, counting_draft(), cache, analysis=load_analysis(p, cache))
    found = plan_states(p, ident, cache)
    assert all(n == total > 0 for n, total in found.counts.values())
    assert Path(found.previews["b2"]).exists()


def test_block_start_frame_after_a_late_keyframe_of_the_block_before(tmp_path):
    # Block a's keyframe at 1.005 s is frame 24.12, past round(1.015 * 24) = 24.
    p = make_project(tmp_path, fps=24, kps=10, size=32, blocks=[("red fire", 0.005, 1.015), ("blue ocean", 1.015, 3.0)])
    engine, cache = counting_draft(32), KeyframeCache(tmp_path / "cache")
    plan = render_keyframes(p, engine, cache, t_range=(0.8, 1.2))
    frames = dict(iter_frames(p, engine, cache, plan, burn_lyrics=False))
    first_b = next(k for k in plan.keyframes if k.block_id == "b1")
    expect = engine.decode(cache.get(first_b.key))[0]
    assert np.array_equal(frames[24][16:, :16], expect[16:, :16])


def test_partial_render_frames_equal_the_full_render_with_sound_clusters(tmp_path):
    p = make_project(tmp_path, size=32, continuity="per-block")
    m = p.render.music
    m.clusters, m.cluster_strength = 2, 0.8
    engine, cache = counting_draft(32), KeyframeCache(tmp_path / "cache")
    analysis = load_analysis(p, cache)
    full_plan = render_keyframes(p, engine, cache, analysis=analysis)
    full = dict(iter_frames(p, engine, cache, full_plan, analysis=analysis, burn_lyrics=False))
    # A fresh cache: the partial plan itself must ask for the cluster targets and frame 0's keyframes.
    part_cache = KeyframeCache(tmp_path / "cache2")
    part_plan = render_keyframes(p, engine, part_cache, t_range=(1.7, 2.6), analysis=analysis)
    part = dict(iter_frames(p, engine, part_cache, part_plan, analysis=analysis, burn_lyrics=False))
    assert sorted(part) == list(range(17, 26))
    assert all(np.array_equal(part[i], full[i]) for i in part)
    off = make_project(tmp_path / "off", size=32, continuity="per-block")
    off_plan = render_keyframes(off, engine, cache)
    plain = dict(iter_frames(off, engine, cache, off_plan, burn_lyrics=False))
    assert any(not np.array_equal(plain[i], full[i]) for i in part)  # the clusters did change frames


def test_full_render_mp4_ends_with_the_project_even_when_the_song_runs_longer(tmp_path):
    p = make_project(tmp_path, size=32)  # a 3.0 s song ...
    p.audio.duration_ms = 2000  # ... of which the project covers 2.0 s
    result = render_video(p, counting_draft(32), KeyframeCache(tmp_path / "cache"), tmp_path / "out.mp4")
    info = probe(result.out_path)
    assert result.plan.n_frames == 20 and info.has_audio and abs(info.duration_s - 2.0) <= 0.05


@pytest.mark.parametrize("t_range", [(float("nan"), 1.0), (0.0, float("inf")), (float("-inf"), 2.0)])
def test_non_finite_time_range_is_a_clear_error(tmp_path, t_range):
    from dreamreel.core.errors import DreamreelError

    p = make_project(tmp_path)
    with pytest.raises(DreamreelError, match="finite"):
        plan_render(p, counting_draft(), KeyframeCache(tmp_path / "cache"), t_range=t_range)


def test_load_analysis_uses_the_projects_song_hash(tmp_path, monkeypatch):
    import hashlib

    from dreamreel.core.audio import analysis as audio_analysis

    p = make_project(tmp_path)
    p.render.music.effort = 1.0
    p.audio.sha256 = hashlib.sha256((tmp_path / "song.wav").read_bytes()).hexdigest()
    hashed = []
    real = audio_analysis.file_sha256
    monkeypatch.setattr(audio_analysis, "file_sha256", lambda path: hashed.append(path) or real(path))
    cache = KeyframeCache(tmp_path / "cache")
    first, again = load_analysis(p, cache), load_analysis(p, cache)
    assert first is not None and np.array_equal(first.rms, again.rms)
    assert hashed == []  # the song was not re-read to hash it
    p.audio.sha256 = ""  # unknown: hashed as before
    load_analysis(p, cache)
    assert len(hashed) == 1


def test_block_previews_come_from_one_plan_and_one_lookup_per_key(tmp_path, monkeypatch):
    p = make_project(tmp_path, continuity="per-block")
    cache = KeyframeCache(tmp_path / "cache")
    ident = counting_draft().identity()
    render_keyframes(p, counting_draft(), cache, t_range=(0.0, 0.5))  # only block b0 rendered
    looked_up = []
    real = KeyframeCache.has
    monkeypatch.setattr(KeyframeCache, "has", lambda self, key: looked_up.append(key) or real(self, key))
    found = plan_states(p, ident, cache)
    assert sorted(looked_up) == sorted(k.key for k in found.keyframes)  # each key once
    assert set(found.counts) == {"b0", "b1", "b2"} and set(found.previews) == {"b0"}
    assert Path(found.previews["b0"]).exists()


def test_plans_agree_on_keys_whether_or_not_the_caller_passed_the_analysis(tmp_path):
    from dreamreel.core.engine.draft import DraftEngine
    from dreamreel.core.engine.render import load_analysis, plan_render

    p = make_project(tmp_path, size=32)
    p.render.music.effort = 1.0  # effort shapes iterations, so the keys, from the song's loudness
    cache = KeyframeCache(tmp_path / "cache")
    identity = DraftEngine.from_settings(p.render).identity()
    given = plan_render(p, identity, cache, analysis=load_analysis(p, cache))
    loaded = plan_render(p, identity, cache)  # how the editor's worker and estimate call it
    assert [k.key for k in loaded.keyframes] == [k.key for k in given.keyframes]


def test_the_timelines_analysis_serves_the_render(tmp_path, monkeypatch):
    """One analysis cache: what the editor's timeline computed on open (user cache, keyed by the
    song's hash) is what a render reads; the song is not analysed a second time."""
    import hashlib

    from dreamreel.core.audio import analysis as audio_analysis
    from dreamreel.core.audio import default_cache_dir, load_or_analyze

    p = make_project(tmp_path)
    p.render.music.effort = 1.0
    p.audio.sha256 = hashlib.sha256((tmp_path / "song.wav").read_bytes()).hexdigest()
    opened = load_or_analyze(p.audio_path(), default_cache_dir(), sha256=p.audio.sha256)  # as the timeline
    monkeypatch.setattr(audio_analysis, "analyze", lambda *a, **k: pytest.fail("analysed twice"))
    got = load_analysis(p, KeyframeCache(tmp_path / "cache"))
    assert np.array_equal(got.rms, opened.rms) and not (tmp_path / "cache" / "analysis").exists()


def test_the_video_never_replaces_the_song_it_reads(tmp_path):
    """render_video (every export: CLI and the editor's worker) refuses an output that is the
    song, before any work; the song is left as it was."""
    from dreamreel.core.errors import DreamreelError

    p = make_project(tmp_path)
    song = p.audio_path()
    before = song.read_bytes()
    engine = counting_draft()
    with pytest.raises(DreamreelError, match="is the song"):
        render_video(p, engine, KeyframeCache(tmp_path / "cache"), song)
    assert song.read_bytes() == before and engine.calls == []
