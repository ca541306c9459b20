"""The compiled build: which modules it compiles, and that it answers as the pure source does.

``scripts/test-builds`` runs the core tests against an installed pure wheel
and an installed compiled one (``SAFENAME_COMPILE=1``), on every supported
Python, with ``SAFENAME_EXPECT_BUILD`` saying which. In the compiled run the
properties here make the same calls in the pure-Python source from ``src/``
(in a subprocess) and compare the answers.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import json
import os
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from build_calls import RULES, answer
from hypothesis import given
from hypothesis import strategies as st

import safename
from safename._packaging import is_compiled

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"


def compiled_modules() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as file:
        modules: list[str] = tomllib.load(file)["tool"]["safename"]["compile"]["modules"]
    return modules


@pytest.mark.parametrize("module", compiled_modules())
def test_every_listed_module_is_compiled_exactly_when_compiled_is_true(module: str) -> None:
    assert is_compiled(importlib.import_module(module)) is safename.COMPILED


def test_the_modules_left_out_are_python_in_either_build() -> None:
    assert not is_compiled(safename.errors)
    assert not is_compiled(importlib.import_module("safename._packaging"))


@pytest.mark.skipif("SAFENAME_EXPECT_BUILD" not in os.environ, reason="set by scripts/test-builds")
def test_the_installed_build_runs_not_the_source() -> None:
    expected = os.environ["SAFENAME_EXPECT_BUILD"]
    assert expected in ("pure", "compiled")
    assert safename.COMPILED is (expected == "compiled")
    assert not Path(safename.__file__).resolve().is_relative_to(SOURCE)


def test_version_says_which_build_runs() -> None:
    process = subprocess.run(
        [sys.executable, "-m", "safename", "--version"], capture_output=True, text=True, check=True
    )
    build = "compiled" if safename.COMPILED else "pure Python"
    expected = f"safename {importlib.metadata.version('safename')} ({build}; no-clobber rename: "
    assert process.stdout.startswith(expected)


class PureBuild:
    """The pure-Python source from ``src/``, in a subprocess that answers calls."""

    def __init__(self) -> None:
        code = (
            f"import sys; sys.path[:0] = [{str(SOURCE)!r}, {str(ROOT / 'tests')!r}]; "
            "import build_calls; build_calls.serve()"
        )
        self.process = subprocess.Popen(
            [sys.executable, "-I", "-c", code],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            encoding="utf-8",
        )
        assert json.loads(self._read()) is False, "the subprocess runs a compiled build"

    def _read(self) -> str:
        assert self.process.stdout is not None
        return self.process.stdout.readline()

    def answer(self, function: str, *args: Any, **kwargs: Any) -> str:
        assert self.process.stdin is not None
        # ensure_ascii: lone surrogates travel as \\ud800 escapes.
        self.process.stdin.write(json.dumps([function, args, kwargs]) + "\n")
        self.process.stdin.flush()
        result: str = json.loads(self._read())
        return result

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture(scope="module")
def pure() -> Iterator[PureBuild]:
    if not safename.COMPILED:
        pytest.skip("compares the compiled build with the source: run by scripts/test-builds")
    build = PureBuild()
    yield build
    build.close()


def agree(pure: PureBuild, function: str, *args: Any, **kwargs: Any) -> None:
    assert answer(function, list(args), kwargs) == pure.answer(function, *args, **kwargs)


# Every code point, lone surrogates too, weighted towards what the rules look at.
names = st.text(
    st.characters(codec=None, categories=None)
    | st.sampled_from("./\\ _-.:\x00\u202e\u200b\uff0f\u2025CONUL1¹中é\u0301"),
    max_size=40,
)


@given(
    name=names,
    max_length=st.sampled_from([8, 12, 255]),
    allow_unicode=st.booleans(),
)
def test_secure_filename_answers_as_the_pure_build(
    pure: PureBuild, name: str, max_length: int, allow_unicode: bool
) -> None:
    options = {"max_length": max_length, "allow_unicode": allow_unicode, "fallback": "upload"}
    agree(pure, "secure_filename", name, **options)


@given(name=names, max_length=st.sampled_from([8, 255]), allow_unicode=st.booleans())
def test_validate_filename_answers_as_the_pure_build(
    pure: PureBuild, name: str, max_length: int, allow_unicode: bool
) -> None:
    agree(pure, "validate_filename", name, max_length=max_length, allow_unicode=allow_unicode)


@given(path=names)
def test_safe_join_answers_as_the_pure_build(pure: PureBuild, path: str) -> None:
    agree(pure, "safe_join", "/srv/files", path)


segments = st.sampled_from(
    [
        *{part for rule, _ in RULES for part in rule.split("/") if "<" not in part},
        "42",
        "007",
        "-1.5",
        "1.50",
        "a.txt",
        "CON.txt",
        "en",
        "de",
        "xy",
        "..",
        "12345678-1234-5678-1234-567812345678",
        "a1b002",
        "",
    ]
) | names.filter(lambda text: "/" not in text)


@given(st.lists(segments, max_size=5))
def test_router_match_answers_as_the_pure_build(pure: PureBuild, segments: list[str]) -> None:
    agree(pure, "match", "/" + "/".join(segments))


@given(
    name=st.sampled_from(["default", "int", "float", "path", "uuid", "filename"]),
    text=segments | st.from_regex(r"-?[0-9]{1,25}(\.[0-9]{1,25})?", fullmatch=True),
)
def test_converters_read_as_the_pure_build(pure: PureBuild, name: str, text: str) -> None:
    agree(pure, "to_python", name, text)


@given(
    name=st.sampled_from(["default", "int", "float", "path", "filename"]),
    value=st.integers() | st.floats() | names,
)
def test_converters_write_as_the_pure_build(pure: PureBuild, name: str, value: Any) -> None:
    agree(pure, "to_url", name, value)


@given(rule=st.text(st.sampled_from("/<>():=,'\"a1_ .-"), max_size=30) | names)
def test_parse_rule_answers_as_the_pure_build(pure: PureBuild, rule: str) -> None:
    agree(pure, "parse_rule", rule)
