"""The ``comfydesk`` command line: the same features as the window, without it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="comfydesk",
        description="ComfyDesk: a desktop control room for ComfyUI. Without a command it opens "
                    "the window.",
    )
    parser.add_argument("--version", action="version", version=f"comfydesk {__version__}")
    parser.add_argument("--self-test", action="store_true",
                        help="build the window, open the database, check resources, exit 0 "
                             "when all is well (used to smoke-test packaged builds)")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    register_feature_commands(subparsers)
    return parser


def register_feature_commands(subparsers: argparse._SubParsersAction) -> None:
    # feature commands (one import and one call per feature)
    from app.profiles import commands as profiles_commands
    profiles_commands.register(subparsers)
    from app.generation import commands as generation_commands
    generation_commands.register(subparsers)
    from app.profiler import commands as profiler_commands
    profiler_commands.register(subparsers)
    pass


def run(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return int(func(args) or 0)
