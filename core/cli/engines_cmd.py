"""`dreamreel engines [--json]`: the installed picture engines, whether each can render now
(and what is missing if not), and their own settings with defaults, ranges and help."""

from __future__ import annotations

import argparse
import json
import sys


def register(subparsers) -> None:
    p = subparsers.add_parser("engines", help="list the picture engines and their settings",
                              description="List the installed picture engines (built-in and plug-ins "
                                          "of the `dreamreel.engines` entry-point group).")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _range(info) -> str:
    if info.choices is not None:
        return "one of " + ", ".join(map(str, info.choices))
    if info.lo is not None or info.hi is not None:
        lo = "" if info.lo is None else f"{info.lo:g}"
        hi = "" if info.hi is None else f"{info.hi:g}"
        return f"{lo}..{hi}"
    return ""


def run(args: argparse.Namespace) -> int:
    from dreamreel.core.engine import registry

    described = [e.describe() for e in registry.entries().values()]
    if args.json:
        print(json.dumps({"engines": described, "problems": registry.problems()}, indent=2))
        return 0
    for d, entry in zip(described, registry.entries().values()):
        state = "available" if d["available"] else "not available"
        worker = ", runs in a worker process" if d["needs_worker_process"] else ""
        print(f"{d['name']}: {d['label']} -- {state}{worker}")
        if d["description"]:
            print(f"  {d['description']}")
        for line in d["missing"]:
            print(f"  missing: {line}")
        for info in entry.settings_info():
            rng = _range(info)
            default = json.dumps(info.default)
            print(f"    {info.name:<18} {info.type.__name__:<5} default {default:<28} {rng:<14} {info.help}".rstrip())
    for line in registry.problems():
        print(f"warning: {line}", file=sys.stderr)
    return 0
