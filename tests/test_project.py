import json

import pytest

from dreamreel.core.errors import ProjectError
from dreamreel.core.project import (
    AudioRef, Block, Project, Prompt, Style, load_project, project_from_dict, project_to_dict, save_project,
)


def make_project(tmp_path):
    song = tmp_path / "audio" / "song.wav"
    song.parent.mkdir()
    song.write_bytes(b"RIFF")
    return Project(
        title="Test",
        audio=AudioRef(path=str(song), sha256="ab", duration_ms=10_000, sample_rate=44100),
        blocks=[Block("one", 0, 1000, secondary="uno"), Block("two", 1000, 2500, seed=7)],
        style=Style(phrases=[Prompt("oil painting", 1.0)], negatives=[Prompt("text", 0.5)]),
        tags={"ar": "Someone", "x-custom": "kept"},
    )


def test_save_load_roundtrip_with_relative_audio(tmp_path):
    project = make_project(tmp_path)
    path = tmp_path / "p" / "song.dreamreel"
    path.parent.mkdir()
    save_project(project, path)
    data = json.loads(path.read_text())
    assert data["audio"]["path"] == "../audio/song.wav"
    loaded = load_project(path)
    assert loaded == project
    assert loaded.audio_path().resolve() == (tmp_path / "audio" / "song.wav").resolve()


def test_save_is_atomic_when_serialisation_fails(tmp_path, monkeypatch):
    project = make_project(tmp_path)
    path = tmp_path / "song.dreamreel"
    save_project(project, path)
    good = path.read_text()
    project.blocks[0].text = object()  # not JSON-serialisable
    with pytest.raises(TypeError):
        save_project(project, path)
    assert path.read_text() == good
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d["blocks"][1].update(start_ms=-5), "blocks[1].start_ms: -5 ms is negative"),
        (lambda d: d["blocks"][0].update(end_ms=20), "blocks[0].end_ms: must be at least 50 ms"),
        (lambda d: d["blocks"][1].update(start_ms="x"), "blocks[1].start_ms: must be int"),
        (lambda d: d["blocks"][0].update(start_ms=1200, end_ms=1300), "blocks[1].start_ms: blocks must be sorted"),
        (lambda d: d["blocks"][1].pop("text"), "blocks[1].text: missing"),
        (lambda d: d["render"].update(fps=0), "render.fps"),
        (lambda d: d["render"].update(continuity="loop"), "render.continuity"),
        (lambda d: d.update(format_version=99), "format_version: 99 is newer"),
        (lambda d: d["blocks"][1].update(end_ms=20_000), "past the end of the song"),
    ],
)
def test_load_reports_first_problem_with_json_path(tmp_path, mutate, message):
    data = project_to_dict(make_project(tmp_path))
    mutate(data)
    with pytest.raises(ProjectError, match=message.replace("[", r"\[").replace("]", r"\]")):
        project_from_dict(data)


def test_load_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.dreamreel"
    bad.write_text("{not json")
    with pytest.raises(ProjectError, match=r"bad.dreamreel:1: not valid JSON"):
        load_project(bad)
    with pytest.raises(ProjectError, match="no such project file"):
        load_project(tmp_path / "missing.dreamreel")


def test_overlaps_made_on_purpose_load(tmp_path):
    data = project_to_dict(make_project(tmp_path))
    data["blocks"][1]["start_ms"] = 500
    assert project_from_dict(data).blocks[1].start_ms == 500


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda d: d.update(format_version=0), "format_version: 0 is not a Dreamreel project version"),
        (lambda d: d["render"]["engines"]["draft"].update(learning_rate=float("nan")),
         "render.engines.draft.learning_rate: must be a finite number"),
        (lambda d: d["render"]["engines"]["vqgan-clip"].update(cut_pow=float("inf")),
         "render.engines.vqgan-clip.cut_pow: must be a finite number"),
        (lambda d: d["render"]["engines"]["vqgan-clip"].update(cut_pow=0), "render.engines.vqgan-clip.cut_pow: 0.0 must be >="),
        (lambda d: d["render"]["engines"]["vqgan-clip"].update(cutn=True), "render.engines.vqgan-clip.cutn: must be int"),
        (lambda d: d["render"]["engines"]["draft"].update(cutn=3), "render.engines.draft.cutn: not a setting"),
        (lambda d: d["render"].update(engine="nope"), "render.engine: 'nope' is not installed"),
        (lambda d: d["style"]["phrases"][0].update(weight=float("nan")), r"style.phrases\[0\].weight: must be a finite"),
        (lambda d: d["render"].update(music={"clusters": -1, "cluster_strength": 0.5}), "render.music.clusters"),
        (lambda d: d["render"].update(music={"effort": 3.0}), "render.music.effort: 3.0 must be between 0 and 1"),
        (lambda d: d["render"].update(seed=-1), "render.seed"),
        (lambda d: d["blocks"][0].update(words=5), r"blocks\[0\].words: must be list"),
        (lambda d: d["tags"].update(ar=3), "tags.ar: must be str"),
    ],
)
def test_load_rejects_values_that_would_crash_later(tmp_path, mutate, message):
    data = json.loads(json.dumps(project_to_dict(make_project(tmp_path))))
    mutate(data)
    with pytest.raises(ProjectError, match=message):
        project_from_dict(data)
