"""`dreamreel import / export / info` on real files; user errors are one line and exit 2."""

import shutil

import pytest

from dreamreel.core.cli.main import main
from dreamreel.core.project import load_project
from dreamreel.resources import EXAMPLES_DIR
from audio_synth import click_track, write_wav

LRC = "\ufeff[ti:Test Song]\r\n[offset:+200]\r\n[00:01.00]First line\r\n[00:03.50][00:06.00]Twice\r\n[00:05.00]\r\n"


@pytest.fixture
def song(tmp_path):
    path = tmp_path / "song.wav"
    write_wav(path, click_track(120, 8.0, sr=22050)[0], 22050)
    return path


def test_import_lyrics_with_audio_then_export_roundtrip(tmp_path, song, capsys):
    lrc = tmp_path / "song.lrc"
    lrc.write_bytes(LRC.encode("utf-8"))
    out = tmp_path / "p.dreamreel"
    assert main(["import", str(lrc), "--audio", str(song), "-o", str(out)]) == 0
    project = load_project(out)
    assert [(b.text, b.start_ms, b.end_ms) for b in project.blocks] == [
        ("First line", 800, 3300), ("Twice", 3300, 4800), ("Twice", 5800, 8000)]
    assert project.title == "Test Song"
    assert project.audio.duration_ms == 8000 and project.audio_path() == song
    assert main(["export", str(out), "--format", "srt", "-o", str(tmp_path / "x.srt")]) == 0
    assert main(["import", str(tmp_path / "x.srt"), "--audio", str(song), "-o", str(tmp_path / "q.dreamreel")]) == 0
    again = load_project(tmp_path / "q.dreamreel")
    assert [(b.text, b.start_ms, b.end_ms) for b in again.blocks] == [(b.text, b.start_ms, b.end_ms) for b in project.blocks]
    capsys.readouterr()
    assert main(["export", str(out), "--format", "lrc"]) == 0
    text = capsys.readouterr().out
    assert "[00:00.80]First line" in text and "[ti:Test Song]" in text and "offset" not in text


def test_info_on_bundled_example(tmp_path, capsys):
    for name in ("example.dreamreel", "song.ogg"):
        shutil.copy(EXAMPLES_DIR / name, tmp_path / name)
    assert main(["info", str(tmp_path / "example.dreamreel")]) == 0
    out = capsys.readouterr().out
    assert "Violet Storm" in out and "blocks    10" in out and "MISSING" not in out


@pytest.mark.parametrize(
    "argv_builder, message",
    [
        (lambda t: ["import", str(t / "nope.lrc"), "-o", str(t / "p.dreamreel")], "nope.lrc"),
        (lambda t: ["info", str(t / "missing.dreamreel")], "no such project file"),
        (lambda t: ["import", str(t / "bad.lrc"), "--strict", "-o", str(t / "p.dreamreel")], "bad.lrc:2"),
        (lambda t: ["import", str(t / "tags.lrc"), "-o", str(t / "p.dreamreel")], "no timed lines"),
        (lambda t: ["import", str(t / "tags.lrc"), "--audio", str(t / "tags.lrc"), "-o", str(t / "p.dreamreel")],
         "tags.lrc"),
    ],
)
def test_user_errors_are_one_line_exit_2(tmp_path, capsys, argv_builder, message):
    (tmp_path / "bad.lrc").write_text("[00:01.00]ok\n[00:61.00]broken\n")
    (tmp_path / "tags.lrc").write_text("[ti:only tags]\n[ar:someone]\n")
    assert main(argv_builder(tmp_path)) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err and "Traceback" not in err
    assert not (tmp_path / "p.dreamreel").exists()


def test_import_refuses_to_overwrite_without_force(tmp_path, song, capsys):
    lrc = tmp_path / "a.lrc"
    lrc.write_text("[00:01.00]hello\n")
    out = tmp_path / "p.dreamreel"
    out.write_text("precious")
    assert main(["import", str(lrc), "-o", str(out)]) == 2
    assert out.read_text() == "precious"
    assert main(["import", str(lrc), "-o", str(out), "--force"]) == 0
    assert load_project(out).blocks[0].text == "hello"


def test_os_errors_are_one_line_exit_2(tmp_path, capsys):
    example = tmp_path / "example.dreamreel"
    for name in ("example.dreamreel", "song.ogg"):
        shutil.copy(EXAMPLES_DIR / name, tmp_path / name)
    (tmp_path / "adir").mkdir()
    assert main(["export", str(example), "--format", "lrc", "-o", str(tmp_path / "adir")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "adir" in err and "Traceback" not in err


def test_stanza_breaks_survive_a_trip_through_the_project(tmp_path, capsys):
    lrc = tmp_path / "verses.lrc"
    lrc.write_text("[00:01.00]one\n[00:02.00]two\n\n[00:03.00]three\n[00:04.00]four\n")
    out = tmp_path / "p.dreamreel"
    assert main(["import", str(lrc), "-o", str(out)]) == 0
    assert [b.stanza_break for b in load_project(out).blocks] == [False, False, True, False]
    capsys.readouterr()
    assert main(["export", str(out), "--format", "lrc"]) == 0
    assert "[00:02.00]two\n\n[00:03.00]three" in capsys.readouterr().out


def test_version_is_printed_on_request(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0 and capsys.readouterr().out.startswith("dreamreel ")
