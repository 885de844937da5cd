"""`dreamreel` entry point: argparse dispatch, one clear line and exit 2 for user errors.

Each subcommand lives in its own module with `register(subparsers)`, which adds a parser and
sets `func=run(args) -> int`. Modules import heavy things (torch) inside `run`, so `--help`
stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from dreamreel.core.errors import Cancelled, DreamreelError

SUBCOMMAND_MODULES = (
    "dreamreel.core.cli.project_cmds",  # import, export, info
    "dreamreel.core.cli.analyze_cmd",  # analyze
    "dreamreel.core.cli.models_cmd",  # models list|download|path
    "dreamreel.core.cli.render_cmd",  # render
    "dreamreel.core.cli.relink_cmd",  # relink
    "dreamreel.core.cli.engines_cmd",  # engines
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dreamreel",
        description="Make AI music videos from a song and timed lyrics or prompts.",
    )
    parser.add_argument("--version", action=_VersionAction, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
            continue  # subcommand not built yet
        module.register(sub)
    return parser


class _VersionAction(argparse.Action):
    """--version, reading the installed metadata only when asked (it costs ~35 ms at start-up)."""

    def __call__(self, parser, namespace, values, option_string=None):
        print(f"dreamreel {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("dreamreel")
    except PackageNotFoundError:
        return "dev"


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except DreamreelError as e:
        print(f"dreamreel {args.command}: error: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # permission denied, disk full, a folder where a file should be, ...
        where = f"{e.filename}: " if e.filename else ""
        print(f"dreamreel {args.command}: error: {where}{e.strerror or e}", file=sys.stderr)
        return 2
    except (Cancelled, KeyboardInterrupt):
        print(f"dreamreel {args.command}: cancelled", file=sys.stderr)
        return 130
    except (ValueError, OverflowError, RecursionError, MemoryError) as e:
        # Input that slipped past validation: still one line (DREAMREEL_DEBUG=1 shows the traceback).
        if os.environ.get("DREAMREEL_DEBUG"):
            raise
        first = (str(e).splitlines() or [""])[0][:200]
        print(f"dreamreel {args.command}: error: cannot process this input ({type(e).__name__}: {first}); "
              f"please report it with the files used", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
