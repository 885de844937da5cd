"""Song playback for the editor: QtMultimedia when there is an audio output, a clock otherwise.

The playhead follows the audio clock (Friture style): `QMediaPlayer.position()` updates only
every ~50-100 ms, so between its reports we interpolate with a monotonic `QElapsedTimer`
anchored at the last reported position, and emit `positionChanged` ~30 times a second.

Without an audio output (no device, no PulseAudio, a broken multimedia backend, a frozen app
missing its plugin) the editor still works: the same anchor + monotonic clock drives the
playhead on its own, and `status_message` says playback is off.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Property, QElapsedTimer, QObject, QTimer, QUrl, Signal

try:  # a missing QtMultimedia (stripped install, frozen app) must not stop the editor
    from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
except ImportError:  # pragma: no cover - depends on the install
    QAudioOutput = QMediaDevices = QMediaPlayer = None

TICK_MS = 33  # ~30 position updates a second while playing
_JITTER_MS = 250  # backend reports this far behind our interpolation are jitter, not seeks


class Player(QObject):
    """Plays the song (or a clock when audio is off) and reports the playhead in ms."""

    positionChanged = Signal(int)
    stateChanged = Signal(bool)
    statusChanged = Signal(str)

    def __init__(self, parent: QObject | None = None, *, use_audio: bool | None = None):
        """`use_audio`: None = use QtMultimedia when an output device exists; False = clock only."""
        super().__init__(parent)
        self._timer = QTimer(self)
        self._timer.setInterval(TICK_MS)
        self._timer.timeout.connect(self._on_tick)
        self._clock = QElapsedTimer()
        self._anchor_ms = 0  # position at the moment the clock was (re)started
        self._last_emitted = 0
        self._playing = False
        self._duration_ms: int | None = None
        self._range: tuple[int, int, bool] | None = None  # (start, end, loop) of play_range
        self._media = None
        self._output = None
        self._status = ""
        self._setup_audio(use_audio)

    # --- setup ---------------------------------------------------------------------------

    def _setup_audio(self, use_audio: bool | None) -> None:
        if use_audio is False:
            self._set_status("Playback off: audio disabled")
            return
        if QMediaPlayer is None:
            self._set_status("Playback off: Qt Multimedia is not installed")
            return
        try:
            devices = QMediaDevices.audioOutputs()
        except Exception as e:  # noqa: BLE001 - any backend failure means "no audio"
            self._set_status(f"Playback off: audio backend failed ({e})")
            return
        if not devices:
            self._set_status("Playback off: no audio output device")
            return
        self._output = QAudioOutput(QMediaDevices.defaultAudioOutput(), self)
        self._media = QMediaPlayer(self)
        self._media.setAudioOutput(self._output)
        self._media.positionChanged.connect(self._on_media_position_changed)
        self._media.durationChanged.connect(self._on_media_duration_changed)
        self._media.errorOccurred.connect(self._on_media_error_changed)
        self._media.mediaStatusChanged.connect(self._on_media_status_changed)
        self._set_status(f"Playback: {QMediaDevices.defaultAudioOutput().description()}")

    def _drop_audio(self, reason: str) -> None:
        """Fall back to the clock, keeping position and play state."""
        pos, playing = self.position_ms(), self._playing
        if self._media is not None:
            self._media.stop()
            self._media.deleteLater()
            self._output.deleteLater()
        self._media = self._output = None
        self._set_status(f"Playback off: {reason}")
        self._anchor(pos)
        if playing:
            self._clock.restart()

    def _set_status(self, text: str) -> None:
        if text != self._status:
            self._status = text
            self.statusChanged.emit(text)

    # --- public API ----------------------------------------------------------------------

    def _get_audio_available(self) -> bool:
        return self._media is not None

    def _get_status_message(self) -> str:
        return self._status

    audio_available = Property(bool, _get_audio_available, notify=statusChanged)
    """True when sound really comes out; False means the playhead runs on a clock."""
    status_message = Property(str, _get_status_message, notify=statusChanged)
    """A line for the status bar, e.g. "Playback off: no audio output device"."""

    def load(self, path: str | Path | None, duration_ms: int | None = None) -> None:
        """Open the song (None unloads). `duration_ms` bounds the clock when audio is off;
        when omitted it is read from the file header."""
        self.pause()
        self._range = None
        self._duration_ms = duration_ms
        if path is not None and duration_ms is None:
            self._duration_ms = _probe_duration(path)
        if self._media is not None:
            self._media.setSource(QUrl.fromLocalFile(str(path)) if path is not None else QUrl())
        self.seek(0)

    def set_duration_ms(self, duration_ms: int | None) -> None:
        """Where the clock stops (the project knows the song's exact length)."""
        self._duration_ms = duration_ms

    def duration_ms(self) -> int | None:
        return self._duration_ms

    def play(self) -> None:
        if self._playing:
            return
        pos = self.position_ms()
        if self._duration_ms is not None and pos >= self._duration_ms:
            pos = 0  # play at the end starts again from the top, like any player
        self._anchor(pos)
        if self._media is not None:
            self._media.setPosition(pos)
            self._media.play()
        self._clock.restart()
        self._playing = True
        self._timer.start()
        self.stateChanged.emit(True)

    def pause(self) -> None:
        self._range = None
        self._stop_at(self.position_ms())

    def toggle(self) -> None:
        self.pause() if self._playing else self.play()

    def seek(self, ms: int) -> None:
        """Move the playhead; a seek outside the playing range ends range playback."""
        ms = self._clamp(int(ms))
        if self._range is not None and not self._range[0] <= ms <= self._range[1]:
            self._range = None
        self._anchor(ms)
        if self._playing:
            self._clock.restart()
        if self._media is not None:
            self._media.setPosition(ms)
        self.positionChanged.emit(ms)

    def play_range(self, start_ms: int, end_ms: int, loop: bool = False) -> None:
        """Play [start_ms, end_ms); stop at the end, or jump back to the start when `loop`."""
        start_ms, end_ms = self._clamp(int(start_ms)), self._clamp(int(end_ms))
        if end_ms <= start_ms:
            return
        self._range = (start_ms, end_ms, loop)
        self.seek(start_ms)
        self.play()

    def is_playing(self) -> bool:
        return self._playing

    def position_ms(self) -> int:
        """The playhead: the last anchor plus the monotonic time since, while playing."""
        if not self._playing:
            return self._anchor_ms
        return self._clamp(self._anchor_ms + int(self._clock.elapsed()))

    # --- internals -----------------------------------------------------------------------

    def _clamp(self, ms: int) -> int:
        ms = max(0, ms)
        return min(ms, self._duration_ms) if self._duration_ms else ms

    def _anchor(self, ms: int) -> None:
        self._anchor_ms = ms
        self._last_emitted = ms
        self._clock.restart()

    def _stop_at(self, ms: int) -> None:
        was_playing = self._playing
        self._playing = False
        self._timer.stop()
        if self._media is not None:
            self._media.pause()
            self._media.setPosition(ms)
        self._anchor(ms)
        if was_playing:
            self.positionChanged.emit(ms)
            self.stateChanged.emit(False)

    def _on_tick(self) -> None:
        pos = self.position_ms()
        if self._range is not None and pos >= self._range[1]:
            start, end, loop = self._range
            if loop:
                self.seek(start)
                return
            self._range = None
            self._stop_at(end)
            return
        if self._duration_ms is not None and pos >= self._duration_ms:
            self._stop_at(self._duration_ms)
            return
        # Never step backwards by a few ms of clock jitter; real jumps go through seek().
        pos = max(pos, self._last_emitted)
        self._last_emitted = pos
        self.positionChanged.emit(pos)

    def _on_media_position_changed(self, pos: int) -> None:
        # Re-anchor on the audio clock, unless the report lags our interpolation only a
        # little (backend granularity) — then keep the smoother interpolated clock.
        if not self._playing:
            return
        interpolated = self.position_ms()
        if pos > interpolated or interpolated - pos > _JITTER_MS:
            self._anchor_ms = pos
            self._clock.restart()

    def _on_media_duration_changed(self, duration: int) -> None:
        if duration > 0 and self._duration_ms is None:
            self._duration_ms = duration

    def _on_media_status_changed(self, status) -> None:
        if self._playing and status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._range = None
            self._stop_at(self._duration_ms or self.position_ms())
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._drop_audio("this audio file cannot be played")

    def _on_media_error_changed(self, error, message: str = "") -> None:
        if error != QMediaPlayer.Error.NoError:
            self._drop_audio(message or "the audio backend reported an error")


def _probe_duration(path: str | Path) -> int | None:
    """The song's length from its header (cheap: no decode); None when unknown."""
    try:
        from dreamreel.core.audio.decode import probe_audio

        return probe_audio(path, exact=False)[0]
    except Exception:  # noqa: BLE001 - an unreadable song is reported elsewhere (import)
        return None
