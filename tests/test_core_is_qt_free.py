"""core never imports Qt: import every core module in a fresh interpreter with Qt blocked."""

import pkgutil
import subprocess
import sys

import dreamreel.core

SCRIPT = r"""
import importlib, sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("PySide6", "PyQt5", "PyQt6", "pyqtgraph", "shiboken6"):
            raise ImportError("Qt is blocked in core: " + name)
sys.meta_path.insert(0, Block())
for name in sys.argv[1:]:
    importlib.import_module(name)
print("ok", len(sys.argv) - 1)
"""


def core_modules():
    return [m.name for m in pkgutil.walk_packages(dreamreel.core.__path__, "dreamreel.core.")]


def test_every_core_module_imports_without_qt():
    modules = core_modules()
    assert "dreamreel.core.project" in modules and "dreamreel.core.commands" in modules
    out = subprocess.run([sys.executable, "-c", SCRIPT, *modules], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == f"ok {len(modules)}"


def test_cli_help_does_not_import_torch():
    code = "import sys; from dreamreel.core.cli.main import build_parser; build_parser(); print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip() == "False"
