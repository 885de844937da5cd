#!/usr/bin/env bash
# Build the frozen Dreamreel editor with PyInstaller and smoke-test it headless (Friture style).
#
#   packaging/build_and_smoke.sh            # build into build/frozen/, then smoke-test
#   SKIP_BUILD=1 packaging/build_and_smoke.sh   # smoke-test an existing build
#   SKIP_BUILD=1 APP=.venv/bin/dreamreel-editor \
#     WORKER=".venv/bin/python -m dreamreel.editor.render.render_worker" packaging/build_and_smoke.sh
#                                             # dry-run the smoke test on the unfrozen app
#
# Needs python3 >= 3.11 and network (pip installs the project and PyInstaller into a
# throw-away venv under build/frozen/venv). Not run in CI: a frozen build takes minutes and
# gigabytes (torch). Exit status 0 = the frozen app started, built its window, and quit cleanly.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${BUILD_DIR:-$ROOT/build/frozen}"
PY="${PYTHON:-python3}"
SMOKE_TIMEOUT="${SMOKE_TIMEOUT:-60}"
APP="${APP:-$OUT/dist/dreamreel-editor/dreamreel-editor}"
WORKER="${WORKER:-$APP --render-worker}"
LOG="$OUT/smoke.log"

if [[ -z "${SKIP_BUILD:-}" ]]; then
    echo "== venv + install (non-editable: PyInstaller cannot follow editable finders)"
    "$PY" -m venv "$OUT/venv"
    "$OUT/venv/bin/python" -m pip install --upgrade pip
    "$OUT/venv/bin/python" -m pip install "$ROOT" "pyinstaller>=6.3"
    "$OUT/venv/bin/python" "$ROOT/packaging/make_icon_png.py" --out "$OUT/dreamreel-256.png" >/dev/null
    echo "== pyinstaller"
    "$OUT/venv/bin/pyinstaller" --noconfirm --clean \
        --distpath "$OUT/dist" --workpath "$OUT/work" "$ROOT/packaging/dreamreel-editor.spec"
fi
[[ -x "$APP" ]] || { echo "FAIL: no app at $APP" >&2; exit 1; }

# Fatal messages: Qt's own fatal/plugin failures, Python import errors and crashes.
FATAL='Traceback|ModuleNotFoundError|ImportError|Fatal|FATAL|Segmentation fault|Aborted|core dumped|Could not load the Qt platform plugin|This application failed to start'

run_smoke() {  # name, then the command line
    local name="$1"; shift
    echo "== smoke: $name"
    set +e
    env -u DISPLAY -u WAYLAND_DISPLAY QT_QPA_PLATFORM=offscreen QT_DEBUG_PLUGINS=0 \
        HOME="$OUT/smoke-home" XDG_CACHE_HOME="$OUT/smoke-home/cache" \
        timeout --kill-after=10 "$SMOKE_TIMEOUT" "$@" >"$LOG" 2>&1
    local rc=$?
    set -e
    if grep -Eq "$FATAL" "$LOG"; then
        echo "FAIL ($name): fatal message" >&2; grep -En "$FATAL" "$LOG" | head -n 20 >&2; exit 1
    fi
    if [[ $rc -eq 124 && -n "${ALIVE_OK:-}" ]]; then
        # An app without --smoke-test support runs until the timeout: alive and silent is a pass.
        echo "ok ($name): still running after ${SMOKE_TIMEOUT}s with no fatal message"; return 0
    fi
    if [[ $rc -eq 124 || $rc -eq 137 ]]; then
        echo "FAIL ($name): still running after ${SMOKE_TIMEOUT}s" >&2; tail -n 40 "$LOG" >&2; exit 1
    fi
    if [[ $rc -ne 0 ]]; then
        echo "FAIL ($name): exit status $rc" >&2; tail -n 40 "$LOG" >&2; exit 1
    fi
    echo "ok ($name)"
}

mkdir -p "$OUT/smoke-home"
# The editor: builds the main window with the bundled example, runs the event loop briefly, quits 0.
# (ALIVE_OK=1: accept "still alive at the timeout" from an app without --smoke-test.)
run_smoke editor "$APP" --smoke-test
# The AI render worker lives in the same executable: it must import its engines and answer.
ALIVE_OK= run_smoke render-worker $WORKER --check
grep -q '"event": *"ok"' "$LOG" || { echo "FAIL: render worker gave no ok line" >&2; cat "$LOG" >&2; exit 1; }
echo "PASS: frozen app at $APP"
