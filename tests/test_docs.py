"""The README stays true to the code: its config examples load, its commands exist."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from typer.main import get_command

from listener.cli import app
from listener.settings import parse_settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()
TOML_BLOCKS = re.findall(r"```toml\n(.*?)```", README, re.S)
BASE = {"brands": [{"name": "Acme", "keywords": ["acme"]}]}


@pytest.mark.parametrize("block", TOML_BLOCKS)
def test_readme_config_examples_are_valid(block: str) -> None:
    data = tomllib.loads(block)
    parse_settings({**BASE, **data}, "README.md")


def documented_commands() -> set[tuple[str, ...]]:
    """Every `listener a [b]` at the start of a row of the README's tables."""
    found = set()
    for words in re.findall(r"^\| `listener ([a-z -]+?)(?: [A-Z\[-].*?)?`", README, re.M):
        found.add(tuple(words.split()))
    return found


def test_readme_has_config_examples_and_commands() -> None:
    assert TOML_BLOCKS and len(documented_commands()) > 10


@pytest.mark.parametrize("words", sorted(documented_commands()))
def test_documented_commands_exist(words: tuple[str, ...]) -> None:
    command = get_command(app)
    for word in words:
        assert hasattr(command, "commands"), f"listener {' '.join(words)}"
        assert word in command.commands, f"listener {' '.join(words)} is not a command"
        command = command.commands[word]
