"""Audio for Dreamreel: decode through ffmpeg, waveform peaks, and rhythm/loudness analysis.

Public API (all Qt-free, numpy only):
- `decode_audio`, `probe_audio`, `file_sha256`, `resample`, `Audio`
- `build_peaks`, `load_or_build_peaks`, `PeakPyramid`, `PeakLevel`
- `analyze`, `load_or_analyze`, `envelope_at`, `Analysis`, `AnalysisParams`
- `default_cache_dir` (pass an explicit `cache_dir` everywhere; tests use tmp_path)
"""

from dreamreel.core.audio.analysis import (
    Analysis,
    AnalysisParams,
    analyze,
    envelope_at,
    load_or_analyze,
)
from dreamreel.core.audio.cache import default_cache_dir
from dreamreel.core.audio.decode import (
    Audio,
    decode_audio,
    file_sha256,
    probe_audio,
    resample,
    stream_info,
)
from dreamreel.core.audio.peaks import PeakLevel, PeakPyramid, build_peaks, load_or_build_peaks

__all__ = [
    "Analysis", "AnalysisParams", "Audio", "PeakLevel", "PeakPyramid", "analyze", "build_peaks",
    "decode_audio", "default_cache_dir", "envelope_at", "file_sha256", "load_or_analyze",
    "load_or_build_peaks", "probe_audio", "resample", "stream_info",
]
