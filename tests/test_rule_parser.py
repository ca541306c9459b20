"""Converter arguments: read as Werkzeug's own parse_converter_args reads them, on every input.

The deliberate differences are the four the parser's docstring lists; each has its rows
below, and the property allows exactly those.
"""

from __future__ import annotations

import math
import re
from typing import Any
from unittest import mock

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.routing import rules as werkzeug_rules

from safename import RuleSyntaxError
from safename.routing import Pattern, parse_converter_args

Arguments = tuple[tuple[Any, ...], dict[str, Any]]
REFUSED = "refused"

# Werkzeug's grammar with its "." read as a dot, as safename reads it: the one change that
# turns "\d+.\d+" (which reads "1,2" as one argument) into a number's dot.
_WERKZEUG_RE = werkzeug_rules._converter_args_re
assert _WERKZEUG_RE.pattern.count(r"\d+.") == 2, "werkzeug's argument grammar changed"
_LITERAL_DOT_RE = re.compile(_WERKZEUG_RE.pattern.replace(r"\d+.", r"\d+\."), _WERKZEUG_RE.flags)


def werkzeug_parse(text: str) -> Arguments:
    return werkzeug_rules.parse_converter_args(text)


def werkzeug_parse_with_a_literal_dot(text: str) -> Arguments:
    with mock.patch.object(werkzeug_rules, "_converter_args_re", _LITERAL_DOT_RE):
        return werkzeug_rules.parse_converter_args(text)


def werkzeug_drops_text(text: str) -> bool:
    """Whether Werkzeug ignores text after the last argument it reads (it does not say so)."""
    matches = list(_LITERAL_DOT_RE.finditer(text + ","))
    return not matches or matches[-1].end() < len(text) + 1


def typed(arguments: Arguments) -> tuple[list[tuple[type, str]], dict[str, tuple[type, str]]]:
    """Arguments compared with their types (1, 1.0 and True differ) and NaN equal to NaN."""
    args, kwargs = arguments
    return (
        [(type(value), repr(value)) for value in args],
        {name: (type(value), repr(value)) for name, value in kwargs.items()},
    )


def outcome(parse: Any, text: str) -> Any:
    try:
        return typed(parse(text))
    except ValueError as error:
        return (REFUSED, str(error))


# --- tables ---


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ((), {})),
        ("  ", ((), {})),
        ("2", ((2,), {})),
        ("max=10", ((), {"max": 10})),
        ("2, max=10, signed=True", ((2,), {"max": 10, "signed": True})),
        ("1e9", ((1e9,), {})),
        ("min=0.5, max=1e9", ((), {"min": 0.5, "max": 1e9})),
        ("1E3", ((1000.0,), {})),
        ("1.5e3", ((1500.0,), {})),
        (".5", ((0.5,), {})),
        ("1.", ((1.0,), {})),
        ("1_000", ((1000,), {})),
        ("1_0.5", ((10.5,), {})),
        ("00", ((0,), {})),
        ("1e400", ((math.inf,), {})),
        ("inf, Infinity", ((math.inf, math.inf), {})),
        ("\u0663", ((3,), {})),  # ARABIC-INDIC DIGIT THREE: int() reads it
        ("\u0661.\u0665", ((1.5,), {})),
        ("None, True, False", ((None, True, False), {})),
        ("Truex, none", (("Truex", "none"), {})),
        ("1__0, _1, 0x10, 1.2.3, a.b", (("1__0", "_1", "0x10", "1.2.3", "a.b"), {})),
        ("'5', 'None', ''", (("5", "None", ""), {})),
        ('u"x", r\'y\', R"z"', (("x", "y", "z"), {})),
        ("about, help, 'foo,bar'", (("about", "help", "foo,bar"), {})),
        ("  x  =  'spaced'  ", ((), {"x": "spaced"})),
        ("a,", (("a",), {})),
    ],
)
def test_reads_arguments_as_werkzeug_does(text: str, expected: Arguments) -> None:
    assert typed(parse_converter_args(text)) == typed(expected)
    assert typed(werkzeug_parse(text)) == typed(expected)


@pytest.mark.parametrize(
    "text",
    ["1e-9", "max=1e+9", "+3", "a=b=c", "=5", "'unclosed", "b'x'", "-abc", "-True", "a b", "1, @x"],
)
def test_refuses_what_werkzeug_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="Cannot parse converter argument"):
        werkzeug_parse(text)
    with pytest.raises(ValueError, match=r"cannot read the argument|'-' sign must start a number"):
        parse_converter_args(text)


# The deliberate differences: (text, what Werkzeug reads, what safename reads).
@pytest.mark.parametrize(
    ("text", "werkzeug_reads", "safename_reads"),
    [
        # Werkzeug's "\d+.\d+" takes any character for the ".": one argument, a text.
        ("1,2", (("1,2",), {}), ((1, 2), {})),
        ("1,", (("1,",), {}), ((1,), {})),
        ("1 2", (("1 2",), {}), REFUSED),
        ("10-3", (("10-3",), {}), REFUSED),
        # A "-" sign on a number, which Werkzeug cannot read at all.
        ("min=-3", REFUSED, ((), {"min": -3})),
        ("-1.5, -1e9, -1_000", REFUSED, ((-1.5, -1e9, -1000), {})),
        # Text Werkzeug cannot read after the last argument, which it drops without a word.
        ("a, -", (("a",), {}), REFUSED),
        ("a, b=", (("a",), {}), REFUSED),
        ("@", ((), {}), REFUSED),
        ("1,,", (("1,",), {}), REFUSED),
        # A keyword given twice: Werkzeug keeps the last.
        ("x=1, x=2", ((), {"x": 2}), REFUSED),
    ],
)
def test_the_deliberate_differences(
    text: str, werkzeug_reads: Arguments | str, safename_reads: Arguments | str
) -> None:
    for parse, reads in ((werkzeug_parse, werkzeug_reads), (parse_converter_args, safename_reads)):
        if reads == REFUSED:
            with pytest.raises(ValueError):  # noqa: PT011 - each parser has its own message
                parse(text)
        else:
            assert isinstance(reads, tuple)
            assert typed(parse(text)) == typed(reads)


@pytest.mark.parametrize(
    ("rule", "values"),
    [
        ("/<float(min=0.5, max=1e9):x>", {"x": 1.5}),
        ("/<int(min=1_000):x>", {"x": 1000}),
        ("/<float(signed=True, min=-.5):x>", {"x": -0.25}),
        ("/<float(max=inf):x>", {"x": 1e300}),
    ],
)
def test_rules_take_werkzeugs_numbers(rule: str, values: dict[str, Any]) -> None:
    pattern = Pattern(rule)
    assert pattern.match(pattern.build(**values)) == values


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("/<float(min=1e-9):x>", "cannot read the argument 'min=1e-9': expected True, False"),
        ("/<float(min=-x):x>", "a '-' sign must start a number, got '-x'"),
        ("/<float(min=nan):x>", "min cannot be NaN"),
        ("/<int(max=1e9):x>", "max must be an int or None, got 1000000000.0"),
    ],
)
def test_a_number_werkzeug_refuses_or_a_converter_cannot_take_is_a_clear_error(
    rule: str, problem: str
) -> None:
    with pytest.raises(RuleSyntaxError, match=re.escape(problem)):
        Pattern(rule)


# --- the property: every argument text, compared with Werkzeug's own function ---

PIECES = [
    *("1", "0", "42", "\u0663", ".", "e", "E", "_", "-", "+", "inf", "nan", "True", "None"),
    *(",", ", ", " ", "\t", "=", "'", '"', "u", "r", "a", "x", "max", "é", "@", "(", ")"),
]
NAMES = st.from_regex(r"[a-z_][a-z0-9_]{0,4}", fullmatch=True)
BARE = st.from_regex(r"-?[0-9\u0663._eE]{1,6}|[a-z_][a-z0-9_.]{0,5}", fullmatch=True) | (
    st.sampled_from(["True", "False", "None", "inf", "nan", "Infinity", "1e9", ".5", "1_000"])
)
QUOTED = st.builds(
    lambda prefix, quote, text: f"{prefix}{quote}{text.replace(quote, '')}{quote}",
    st.sampled_from(["", "u", "r", "R"]),
    st.sampled_from(["'", '"']),
    st.text(max_size=5),
)


@st.composite
def argument_lists(draw: st.DrawFn) -> str:
    """Argument lists as people write them: values, keywords, spacing."""
    arguments = draw(st.lists(st.tuples(st.none() | NAMES, BARE | QUOTED), max_size=4))
    space = st.sampled_from(["", " ", "  "])
    return draw(st.sampled_from([",", ", ", " , "])).join(
        f"{draw(space)}{name}{draw(space)}={draw(space)}{value}" if name else value
        for name, value in arguments
    )


ARGUMENT_TEXTS = (
    argument_lists() | st.lists(st.sampled_from(PIECES), max_size=12).map("".join) | st.text()
)


@given(text=ARGUMENT_TEXTS)
def test_reads_every_argument_text_as_werkzeug_does_but_for_the_deliberate_differences(
    text: str,
) -> None:
    original = outcome(werkzeug_parse, text)
    theirs = outcome(werkzeug_parse_with_a_literal_dot, text)
    if original != theirs:
        # Werkzeug's unescaped "." read a digit and the character after it as one value.
        assert re.search(r"\d[^\w.\n]", text)
    ours = outcome(parse_converter_args, text)
    if ours == theirs or (ours[0] == REFUSED and theirs[0] == REFUSED):
        return
    if theirs[0] == REFUSED:
        assert "-" in text  # a signed number, which Werkzeug cannot read
        assert ours[0] != REFUSED
    else:
        assert ours[0] == REFUSED, (text, theirs, ours)
        assert werkzeug_drops_text(text) or "is given twice" in ours[1]
