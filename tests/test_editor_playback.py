"""Player: the clock-driven playhead when there is no audio output (this machine has none)."""

from __future__ import annotations

import pytest

from dreamreel.editor.playback import Player


@pytest.fixture
def player(qtbot):
    p = Player(use_audio=False)
    p.set_duration_ms(60_000)
    yield p
    p.pause()


def test_clock_player_reports_playback_off(player):
    assert player.audio_available is False
    assert player.status_message.startswith("Playback off")
    assert player.is_playing() is False
    assert player.position_ms() == 0


def test_auto_player_degrades_without_audio_device(qtbot):
    from PySide6.QtMultimedia import QMediaDevices

    p = Player()
    if QMediaDevices.audioOutputs():
        pytest.skip("this machine has an audio output")
    assert p.audio_available is False
    assert p.status_message == "Playback off: no audio output device"
    with qtbot.waitSignal(p.stateChanged, timeout=5000):
        p.play()
    with qtbot.waitSignal(p.positionChanged, timeout=5000, check_params_cb=lambda ms: ms > 0):
        pass
    p.pause()


def test_clock_runs_and_emits_positions(qtbot, player):
    with qtbot.waitSignal(player.stateChanged, timeout=5000) as state:
        player.play()
    assert state.args == [True]
    assert player.is_playing()
    # The clock advances: wait for a position beyond 100 ms (generous timeout, no timing claim).
    with qtbot.waitSignal(player.positionChanged, timeout=10_000, check_params_cb=lambda ms: ms >= 100):
        pass
    with qtbot.waitSignal(player.stateChanged, timeout=5000) as state:
        player.pause()
    assert state.args == [False]
    stopped = player.position_ms()
    assert stopped >= 100
    assert player.position_ms() == stopped  # paused: the clock does not move


def test_seek_emits_and_moves_playhead(qtbot, player):
    with qtbot.waitSignal(player.positionChanged, timeout=1000) as pos:
        player.seek(12_345)
    assert pos.args == [12_345]
    assert player.position_ms() == 12_345
    player.seek(-50)
    assert player.position_ms() == 0
    player.seek(10**9)
    assert player.position_ms() == 60_000


def test_seek_while_playing_continues_from_there(qtbot, player):
    player.play()
    player.seek(30_000)
    with qtbot.waitSignal(player.positionChanged, timeout=10_000, check_params_cb=lambda ms: ms > 30_000):
        pass
    assert player.is_playing()


def test_play_range_stops_at_end(qtbot, player):
    with qtbot.waitSignal(player.stateChanged, timeout=10_000, check_params_cb=lambda playing: not playing):
        player.play_range(1000, 1200)
    assert not player.is_playing()
    assert player.position_ms() == 1200


def test_play_range_loops(qtbot, player):
    player.play_range(2000, 2150, loop=True)
    # After the end, the playhead jumps back to the start and keeps playing.
    with qtbot.waitSignal(player.positionChanged, timeout=10_000, check_params_cb=lambda ms: ms >= 2100):
        pass
    with qtbot.waitSignal(player.positionChanged, timeout=10_000, check_params_cb=lambda ms: ms == 2000):
        pass
    assert player.is_playing()
    player.pause()
    assert not player.is_playing()


def test_play_stops_at_end_of_song(qtbot, player):
    player.set_duration_ms(300)
    player.seek(100)
    with qtbot.waitSignal(player.stateChanged, timeout=10_000, check_params_cb=lambda playing: not playing):
        player.play()
    assert player.position_ms() == 300
    # Play at the end starts over from the top.
    player.play()
    assert player.position_ms() < 300
    player.pause()


def test_toggle(qtbot, player):
    player.toggle()
    assert player.is_playing()
    player.toggle()
    assert not player.is_playing()


def test_load_reads_duration(qtbot, player, tmp_path):
    from tests.audio_synth import click_track, write_wav

    samples, _ = click_track(120, 2.0, 8000)
    wav = tmp_path / "song.wav"
    write_wav(wav, samples, 8000)
    player.load(wav)
    assert player.duration_ms() is not None and abs(player.duration_ms() - 2000) <= 50
    player.seek(10_000)
    assert player.position_ms() == player.duration_ms()
