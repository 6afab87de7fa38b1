"""``python -m app`` / ``comfydesk``: the window, a CLI subcommand, or ``--self-test``."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def _wants_cli(argv: Sequence[str]) -> bool:
    return any(not arg.startswith("-") for arg in argv[:1]) or any(
        arg in ("-h", "--help", "--version") for arg in argv
    )


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if "--self-test" in args:
        from app.ui.selftest import run_self_test

        return run_self_test()
    if _wants_cli(args):
        from app.cli import run

        return run(args)
    from app.ui.application import run_gui

    return run_gui(args)


def gui_main() -> int:
    """Entry point of the double-click launcher (no console window on Windows)."""
    return main([])


if __name__ == "__main__":
    sys.exit(main())
