"""Temp files that a crash cannot leave behind for long.

Every temp file or folder Dreamreel writes beside a final path is named
`.dreamreel-tmp-<pid>-<final name>.<random><suffix>`: recognisable, and carrying its writer's
process id. The next write in the same folder (any Dreamreel process) sweeps the stale ones:
those whose writer is dead, or older than their writer's life (the pid was reused by a later
process). A live writer's temp files are never touched. Messages name the final path, never
the temp one (`public_path`).
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

PREFIX = ".dreamreel-tmp-"
_NAME_RE = re.compile(re.escape(PREFIX) + r"(\d+)-")
_swept: set[str] = set()


def temp_prefix(final: str | os.PathLike) -> str:
    """The mkstemp/mkdtemp prefix for a temp file that will become `final`."""
    return f"{PREFIX}{os.getpid()}-{Path(final).name}."


def mkstemp_beside(final: str | os.PathLike, suffix: str = ".tmp") -> Path:
    """Create (closed, empty) a temp file in `final`'s folder, after sweeping stale ones there."""
    final = Path(final)
    sweep(final.parent)
    fd, tmp = tempfile.mkstemp(prefix=temp_prefix(final), suffix=suffix, dir=final.parent)
    os.close(fd)
    return Path(tmp)


def mkdtemp_beside(final: str | os.PathLike) -> Path:
    """Create a temp folder in `final`'s folder, after sweeping stale ones there."""
    final = Path(final)
    sweep(final.parent)
    return Path(tempfile.mkdtemp(prefix=temp_prefix(final), dir=final.parent))


def is_temp(path: str | os.PathLike) -> bool:
    return Path(path).name.startswith(PREFIX)


def public_path(text: str, tmp: str | os.PathLike, final: str | os.PathLike) -> str:
    """`text` (an error message) with the temp path replaced by the user's final path."""
    return text.replace(str(tmp), str(final)).replace(Path(tmp).name, Path(final).name)


def sweep(folder: str | os.PathLike, *, force: bool = False) -> list[Path]:
    """Remove stale Dreamreel temp files/folders in `folder` (once per process per folder unless
    `force`); returns what was removed. Errors (a read-only folder, a race) are ignored."""
    folder = Path(folder)
    key = os.path.realpath(folder)
    if key in _swept and not force:
        return []
    _swept.add(key)
    removed = []
    try:
        entries = [e for e in os.scandir(folder) if e.name.startswith(PREFIX)]
    except OSError:
        return []
    for entry in entries:
        m = _NAME_RE.match(entry.name)
        if m is None:
            continue
        try:
            if not _stale(int(m[1]), entry.stat(follow_symlinks=False).st_mtime):
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except OSError:
            continue
    return removed


def _stale(pid: int, mtime: float) -> bool:
    if pid == os.getpid():
        return False
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate it there: go by age only
        return time.time() - mtime > 24 * 3600
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        pass  # alive, someone else's
    start = _process_start(pid)
    return start is not None and mtime < start - 1.0  # written before this pid's process began


def _process_start(pid: int) -> float | None:
    """When process `pid` started (epoch seconds), where the OS tells us (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = int(fields[19])  # field 22, counted after "pid (comm)"
        for line in Path("/proc/stat").read_text().splitlines():
            if line.startswith("btime "):
                return int(line.split()[1]) + ticks / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        pass
    return None
