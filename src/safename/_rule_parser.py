"""Werkzeug's rule syntax, parsed into static text and variables, with clear errors.

The grammar is Werkzeug's: ``<name>``, ``<converter:name>`` and
``<converter(arguments):name>``, names being ASCII identifiers, and the
arguments positional or keyword: quoted strings (an ``u``/``r`` prefix
allowed) and bare values, which are read as Werkzeug's ``_pythonize`` reads
them: ``True``, ``False``, ``None``, then whatever ``int`` takes (``1_000``),
then whatever ``float`` takes (``1e9``, ``.5``, ``inf``), else the word itself.
Four deliberate differences, each where Werkzeug misreads or silently drops
input: a number's ``.`` is a dot (Werkzeug's regex reads ``1,2`` as one
argument, the text ``'1,2'``), a number may have a ``-`` sign (``min=-10``,
which Werkzeug refuses), arguments that do not parse are an error rather than
dropped, and a keyword given twice is an error rather than the last one winning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Final

from safename.errors import RuleSyntaxError

__all__ = ["RuleVariable", "parse_converter_args", "parse_rule"]

_TOKEN_RE: Final = re.compile(
    r"""
    (?P<static>[^<]+)
  | <
      (?:
        (?P<converter>[a-zA-Z_][a-zA-Z0-9_]*)
        (?:\((?P<arguments>.*?)\))?
        :
      )?
      (?P<variable>[a-zA-Z_][a-zA-Z0-9_]*)
    >
    """,
    re.VERBOSE,
)

# Werkzeug's argument grammar (``_converter_args_re``), whose bare values
# (``True|False|\d+.\d+|\d+.|\d+|[\w\d_.]+``) are all ``[\w.]+`` once its
# unescaped "." is read as a dot; plus an optional "-" sign on a number.
_ARGUMENT_RE: Final = re.compile(
    r"""
    \s*
    (?:(?P<name>\w+)\s*=\s*)?
    (?P<value>
        -?[\w.]+
      | [urUR]?(?P<string>"[^"]*"|'[^']*')
    )
    \s*(?:,|\Z)
    """,
    re.VERBOSE,
)
_CONSTANTS: Final[dict[str, Any]] = {"None": None, "True": True, "False": False}
_EXPECTED: Final = (
    "expected True, False, None, a number (1, -2, 1.5, 1e9, 1_000), a word or a quoted "
    "string, then ',' or the end"
)


@dataclass(frozen=True)
class RuleVariable:
    """One ``<converter(arguments):name>`` of a rule, as written.

    >>> parse_rule("/<int(max=9):page>")[1]
    RuleVariable(name='page', converter='int', args=(), kwargs={'max': 9})
    """

    name: str
    converter: str = "default"
    args: tuple[Any, ...] = ()
    kwargs: dict[str, Any] = field(default_factory=dict)


def parse_rule(rule: str) -> tuple[str | RuleVariable, ...]:
    """Split *rule* into static text and variables, in order.

    :raises RuleSyntaxError: for a rule that does not start with ``/``, an
        unclosed or malformed ``<...>``, bad converter arguments, or a name
        used twice.

    >>> parse_rule("/user/<name>/posts/<int:post>")
    ('/user/', RuleVariable(name='name', converter='default', args=(), kwargs={}), '/posts/', \
RuleVariable(name='post', converter='int', args=(), kwargs={}))
    >>> parse_rule("/user/<name")
    Traceback (most recent call last):
    ...
    safename.errors.RuleSyntaxError: malformed rule '/user/<name': unclosed '<' at position 6
    """
    if not rule.startswith("/"):
        raise RuleSyntaxError(rule, "a rule must start with '/'")
    tokens: list[str | RuleVariable] = []
    seen: set[str] = set()
    position = 0
    while position < len(rule):
        match = _TOKEN_RE.match(rule, position)
        if match is None:
            raise RuleSyntaxError(rule, _describe_bad_variable(rule, position))
        if match["static"] is not None:
            tokens.append(match["static"])
        else:
            name = match["variable"]
            if name in seen:
                raise RuleSyntaxError(rule, f"the variable {name!r} is used twice")
            seen.add(name)
            try:
                args, kwargs = parse_converter_args(match["arguments"] or "")
            except ValueError as error:
                raise RuleSyntaxError(rule, f"in <{match[0][1:-1]}>: {error}") from error
            tokens.append(RuleVariable(name, match["converter"] or "default", args, kwargs))
        position = match.end()
    return tuple(tokens)


def _describe_bad_variable(rule: str, position: int) -> str:
    end = rule.find(">", position)
    if end < 0:
        return f"unclosed '<' at position {position}"
    return (
        f"cannot read {rule[position : end + 1]!r} at position {position}: expected "
        "<name>, <converter:name> or <converter(arguments):name> with ASCII identifiers"
    )


def parse_converter_args(text: str) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Read the arguments between a converter's parentheses.

    :raises ValueError: for text that is not a list of arguments, or a
        keyword given twice.

    >>> parse_converter_args("2, max=10, signed=True, label='a,b'")
    ((2,), {'max': 10, 'signed': True, 'label': 'a,b'})
    >>> parse_converter_args("1,2"), parse_converter_args("min=-1.5, max=1e9")
    (((1, 2), {}), ((), {'min': -1.5, 'max': 1000000000.0}))
    """
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    position = 0 if text.strip() else len(text)
    while position < len(text):
        match = _ARGUMENT_RE.match(text, position)
        if match is None or match.end() == position:
            argument = text[position:].strip()
            raise ValueError(f"cannot read the argument {argument!r}: {_EXPECTED}")
        value = _read_value(match["value"], match["string"])
        name = match["name"]
        if name is None:
            args.append(value)
        elif name in kwargs:
            raise ValueError(f"the argument {name!r} is given twice")
        else:
            kwargs[name] = value
        position = match.end()
    return tuple(args), kwargs


def _read_value(value: str, string: str | None) -> Any:
    if string is not None:
        return string[1:-1]
    read = _pythonize(value)
    if value.startswith("-") and (isinstance(read, bool) or not isinstance(read, int | float)):
        raise ValueError(f"a '-' sign must start a number, got {value!r}")
    return read


def _pythonize(value: str) -> Any:
    """A bare value as Werkzeug's ``_pythonize`` reads it: a constant, an int, a float or text.

    >>> [_pythonize(text) for text in ("None", "1_000", "1e9", ".5", "-3", "inf", "a.b")]
    [None, 1000, 1000000000.0, 0.5, -3, inf, 'a.b']
    """
    if value in _CONSTANTS:
        return _CONSTANTS[value]
    for convert in (int, float):
        try:
            return convert(value)
        except ValueError:
            pass
    return value
