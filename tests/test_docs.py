"""The README matches the code: settings table and command list."""

from __future__ import annotations

import re

from moderation import settings
from moderation.cli import main
from tests.conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_settings_table_matches_settings_module() -> None:
    block = re.search(r"<!-- settings -->\n(.*?)\n<!-- /settings -->", README, re.S)
    assert block is not None, "README has no settings block"
    assert block.group(1) == settings.markdown_table(), "run `moderation settings --markdown` into the README"


def test_every_command_is_documented() -> None:
    for name in main.commands:
        assert f"`moderation {name}" in README, f"moderation {name} is not in the README"


def test_readme_starts_with_the_two_commands() -> None:
    first = README.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    assert "moderation serve" in first[0] and "pytest" in first[1]
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = first[1].split("#")[0].strip()
    assert test_command in ci
