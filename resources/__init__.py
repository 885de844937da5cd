"""Bundled resources: example project, icons, defaults."""

from pathlib import Path

RESOURCES_DIR = Path(__file__).resolve().parent
EXAMPLES_DIR = RESOURCES_DIR / "examples"
