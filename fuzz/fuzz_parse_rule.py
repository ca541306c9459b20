#!/usr/bin/env python3
"""Fuzz rule parsing: ``Pattern(rule)`` either refuses with ``RuleSyntaxError`` or works.

A pattern that was accepted must then behave: matching any path returns values
or ``None`` (never another exception), and building raises only
``ConversionError`` or returns a path that matches back to the same values.
Run: ``python fuzz/fuzz_parse_rule.py [libFuzzer flags] [corpus folders]``.
"""

from __future__ import annotations

import sys

import atheris
from _harness import expect, text_of

with atheris.instrument_imports():
    from _routing import check_build, check_round_trip

    from safename.errors import RuleSyntaxError
    from safename.routing import Pattern, RuleVariable

#: Texts put into every variable of an accepted rule: one of them fits most converters.
SAMPLE_TEXTS = (
    "a",
    "0",
    "7",
    "-3",
    "1.5",
    "-0.0",
    "a/b",
    "x.txt",
    "CON",
    "12345678-1234-5678-1234-567812345678",
    "\u00e9",
    "%2F",
    " ",
    "\x00",
)


def test_one_input(data: bytes) -> None:
    """Parse *data* as a rule; exercise an accepted rule with sample texts."""
    check_rule(text_of(data))


def check_rule(rule: str) -> None:
    """Parse *rule*; exercise it with sample texts if it was accepted."""
    try:
        pattern = Pattern(rule)
    except RuleSyntaxError as error:
        expect(error.rule == rule, "error names another rule", rule, error.rule)
        return
    names = [token.name for token in pattern.tokens if isinstance(token, RuleVariable)]
    expect(list(pattern.converters) == names, "variables lost or reordered", rule, names)
    if not names:
        expect(pattern.match(rule) == {}, "a static rule does not match itself", rule)
    for sample in SAMPLE_TEXTS:
        path = "".join(sample if isinstance(t, RuleVariable) else t for t in pattern.tokens)
        check_round_trip(pattern, path)
        check_build(pattern, dict.fromkeys(names, sample))


def main() -> None:
    """Start libFuzzer with the command line's flags and corpus folders."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
