"""`comfydesk` dispatches: no arguments opens the window, a word runs a CLI command."""

import pytest

from app import __version__
from app.__main__ import _wants_cli, main


def test_words_go_to_the_cli_and_nothing_opens_the_window():
    assert _wants_cli(["profiles", "list"])
    assert _wants_cli(["--help"]) and _wants_cli(["--version"])
    assert not _wants_cli([])


def test_version_and_help(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--version"])
    assert exited.value.code == 0
    assert capsys.readouterr().out.strip() == f"comfydesk {__version__}"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in ("profiles", "generate", "history", "profile"):
        assert command in out


def test_unknown_command_is_an_error_on_stderr(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["frobnicate"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
