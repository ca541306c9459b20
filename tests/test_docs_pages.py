"""The pages a newcomer reads first say what is true today: commands, install steps, licence."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parent.parent
DOCS = ROOT / "docs"


def commands_of_help() -> list[str]:
    """The commands ``safename --help`` lists, in its order."""
    result = subprocess.run(
        [sys.executable, "-m", "safename", "--help"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    section = result.stdout.split("\ncommands:\n", 1)[1].split("\n\n", 1)[0]
    return re.findall(r"^    ([a-z][a-z-]*)\b", section, flags=re.MULTILINE)


def synopsis_of_cli_page() -> str:
    """The first code block of ``docs/cli.md``."""
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    return text.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_help_lists_six_commands() -> None:
    # Guards the parsing below: a help text read wrongly would make the next test vacuous.
    assert commands_of_help() == ["sanitize", "check", "rename", "extract", "sweep", "audit-routes"]


def test_the_cli_synopsis_names_every_command_of_the_help() -> None:
    synopsis = synopsis_of_cli_page()
    named = set(re.findall(r"^safename ([a-z][a-z-]*)\b", synopsis, flags=re.MULTILINE))
    assert set(commands_of_help()) <= named


def test_install_instructions_say_pip_install_safename_does_not_work_yet() -> None:
    for page in (ROOT / "README.md", DOCS / "quickstart.md"):
        text = page.read_text(encoding="utf-8")
        assert "`pip install safename` does not work" in text, page
        assert "pip install '.[flask]'" in text, page
        assert not re.search(r"^pip install '?safename", text, flags=re.MULTILINE), page


def test_the_readme_starts_with_the_demo_and_the_tests() -> None:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    commands = [line for line in lines[:6] if line.startswith("bash ")]
    assert [command.split("#")[0].strip() for command in commands] == [
        "bash scripts/run-demo",
        "bash scripts/run-tests",
    ]


def test_the_licence_is_the_mit_licence_the_metadata_declares() -> None:
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 safename developers\n")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")


def test_the_first_hour_installs_an_extra_that_exists_and_is_in_the_toctree() -> None:
    page = (DOCS / "first-hour.md").read_text(encoding="utf-8")
    extras = re.findall(r"^pip install '\.\[(\w+)\]'", page, flags=re.MULTILINE)
    assert extras == ["flask"]
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert re.search(r"^flask = \[", pyproject, flags=re.MULTILINE)
    toctree = (DOCS / "index.md").read_text(encoding="utf-8").split("```{toctree}", 1)[1]
    assert "\nfirst-hour\n" in toctree
    # One heading per step: install, sanitize, protect, upload, extract, audit.
    assert len(re.findall(r"^## \d\. ", page, flags=re.MULTILINE)) == 6
