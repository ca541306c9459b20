"""The rule grammar: Werkzeug's syntax parsed into text and variables, then cut into parts.

:func:`parse_rule` reads a rule into static text and :class:`RuleVariable`;
:func:`split_parts` cuts it into the :class:`RulePart` Werkzeug's matcher walks,
each with its rank and the reader of its variables.

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
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from safename.errors import RuleSyntaxError
from safename.routing._nfa import PartNFA, Piece, Unsupported
from safename.routing.converters import SLASH_FREE, Converter, PathConverter

__all__ = [
    "BUILT_IN",
    "GROUP_PREFIX",
    "Reader",
    "RulePart",
    "RuleVariable",
    "Slot",
    "UnreadableRegex",
    "Weight",
    "capture_rule",
    "is_linear",
    "parse_converter_args",
    "parse_rule",
    "read_values",
    "reader",
    "split_parts",
    "template_regex",
]

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


# --- a parsed rule cut into the parts Werkzeug's matcher walks, with their ranks ---

#: The built-in converters: their regexes are known, and linear under ``re`` alone.
BUILT_IN: Final = SLASH_FREE | {PathConverter}
#: The texts a part's variables captured, in order, or ``None``: no match.
Capture = Callable[[str], "tuple[str, ...] | None"]

#: How a dynamic part ranks against the others at the same place, as Werkzeug
#: ranks it (lower first): more static pieces, longer ones, fewer variables,
#: then lower converter weights.
Weight = tuple[int, tuple[tuple[int, int], ...], int, tuple[int, ...]]


@dataclass(frozen=True)
class Slot:
    """One variable of a part: its name, its converter, and its group in the part's regex."""

    name: str
    converter: Converter[Any]
    number: int

    def group(self, prefix: str) -> str:
        """The name of this variable's group in a regex built with *prefix*."""
        return f"{prefix}{self.number}"


@dataclass(frozen=True)
class RulePart:
    """One step of a rule as Werkzeug's matcher takes it: a segment, or all the rest.

    A rule is cut at each ``/`` until a variable whose converter crosses
    segments (``path``); from there the rest of the rule is one *final* part.

    :ivar static: whether the part is plain text, ``content`` itself.
    :ivar content: the text of a static part, or the regex of a dynamic one.
    :ivar final: whether the part matches all the rest of the path, slashes included.
    :ivar weight: the rank among dynamic parts at the same place (lower first).
    :ivar slots: the variables of the part, in order.
    :ivar linear: whether Python's ``re`` matches the part in time linear in
        its text, and keeps its variables inside their segments: no variable
        or one, of a built-in converter (see :func:`is_linear`).
    """

    static: bool
    content: str
    final: bool
    weight: Weight
    slots: tuple[Slot, ...]
    # Literal texts and slots, in order, from which `regex` builds the content.
    template: tuple[str | Slot, ...] = field(repr=False)
    linear: bool = field(init=False, repr=False, compare=False)
    #: The texts of the part's variables in *text* (one segment, or all the
    #: rest for a final part), as ``re.fullmatch`` of ``content`` reads them.
    capture: Capture = field(init=False, repr=False, compare=False)
    #: Whether *text* matches, the fastest way: not ``None`` if it does.
    test: Callable[[str], object] = field(init=False, repr=False, compare=False)
    #: The NFA that reads the part, unless ``re`` does (a linear part, or a
    #: custom regex outside the NFA's subset).
    nfa: PartNFA | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        linear = is_linear(self.slots)
        nfa = None if linear or self.static else _nfa(self.template)
        object.__setattr__(self, "linear", linear)
        object.__setattr__(self, "nfa", nfa)
        if nfa is None:
            object.__setattr__(self, "capture", _capture(self))
            pattern = re.escape(self.content) if self.static else self.content
            object.__setattr__(self, "test", re.compile(pattern).fullmatch)
        else:
            object.__setattr__(self, "capture", nfa.fullmatch)
            object.__setattr__(self, "test", nfa.fullmatch)

    def key(self) -> tuple[bool, str, bool, Weight]:
        """What makes two parts the same step: they share a node of a router."""
        return self.static, self.content, self.final, self.weight

    def regex(self, prefix: str) -> str:
        """The regex of the part, each variable a group named *prefix* and its number."""
        return template_regex(self.template, prefix)


def is_linear(slots: Sequence[Slot]) -> bool:
    """Whether Python's ``re`` reads a part with these variables in linear time.

    The condition: at most one variable, of a built-in converter. Anchored at
    the start of its text, the part's regex is then ``literal R literal``:
    the engine tries each end of ``R`` once, in order, and tests a fixed
    literal after it. A built-in ``R`` reaches each end in one way only (a
    run of one character class, a fixed alternation, or for ``path`` runs of
    non-slashes joined by ``/``), so the work is linear in the text. Two
    variables or more make the engine try every split between them:
    polynomial time, of a degree that grows with the variables.
    """
    return len(slots) < 2 and all(type(slot.converter) in BUILT_IN for slot in slots)


class UnreadableRegex(Unsupported):
    """A custom converter's regex that the NFA cannot read, and whose class does not trust it."""

    def __init__(self, slot: Slot, construct: str) -> None:
        super().__init__(f"the regex of {slot.name!r} uses {construct}")
        self.slot = slot
        self.construct = construct


def _nfa(template: Sequence[str | Slot]) -> PartNFA | None:
    pieces = [
        Piece(None, piece.converter.regex) if isinstance(piece, Slot) else Piece(piece)
        for piece in template
    ]
    try:
        return PartNFA(pieces)
    except Unsupported as error:
        construct = str(error)
    # re reads the part's own text only where every custom converter opted in.
    for piece in template:
        if isinstance(piece, Slot) and not _trusted(piece.converter):
            try:
                PartNFA([Piece(None, piece.converter.regex)])
            except Unsupported as own:
                raise UnreadableRegex(piece, str(own)) from None
    if all(isinstance(piece, str) or _trusted(piece.converter) for piece in template):
        return None
    raise UnreadableRegex(next(piece for piece in template if isinstance(piece, Slot)), construct)


def _trusted(converter: Converter[Any]) -> bool:
    """Whether *converter* is built in, or its class lets ``re`` read its regex."""
    return type(converter) in BUILT_IN or getattr(converter, "trusted_regex", False) is True


def _capture(part: RulePart) -> Capture:
    """The reader of a part's variables with Python's ``re``."""
    if part.static:
        text = part.content
        return lambda candidate: () if candidate == text else None
    fullmatch = re.compile(part.content).fullmatch
    names = tuple(slot.group(GROUP_PREFIX) for slot in part.slots)

    def capture(text: str) -> tuple[str, ...] | None:
        match = fullmatch(text)
        return None if match is None else tuple(map(match.__getitem__, names))

    return capture


def template_regex(template: Sequence[str | Slot], prefix: str) -> str:
    """Join literal texts and variables (groups named *prefix* and their number) into a regex."""
    return "".join(
        re.escape(piece)
        if isinstance(piece, str)
        else f"(?P<{piece.group(prefix)}>{piece.converter.regex})"
        for piece in template
    )


_NO_WEIGHT: Weight = (0, (), 0, ())
#: The group names of a rule's own regexes: ``_v0``, ``_v1``, ...
GROUP_PREFIX = "_v"


def _make_part(pieces: list[str | tuple[str, Converter[Any]]], *, final: bool) -> RulePart:
    if all(isinstance(piece, str) for piece in pieces):
        text = "".join(map(str, pieces))
        return RulePart(True, text, False, _NO_WEIGHT, (), (text,))
    template: list[str | Slot] = []
    static_weights: list[tuple[int, int]] = []
    slots: list[Slot] = []
    for piece in pieces:
        if isinstance(piece, str):
            template.append(piece)
            # Werkzeug counts each run of static text between slashes.
            static_weights.extend(
                (len(static_weights), -len(chunk)) for chunk in piece.split("/") if chunk
            )
        else:
            name, converter = piece
            slots.append(Slot(name, converter, len(slots)))
            template.append(slots[-1])
    weights = tuple(slot.converter.weight for slot in slots)
    weight = (-len(static_weights), tuple(static_weights), -len(weights), weights)
    content = template_regex(template, GROUP_PREFIX)
    return RulePart(False, content, final, weight, tuple(slots), tuple(template))


def split_parts(
    tokens: Sequence[str | RuleVariable], converters: Mapping[str, Converter[Any]]
) -> tuple[RulePart, ...]:
    """Cut a parsed rule into Werkzeug's parts, the leading empty one included.

    >>> from safename.routing import Pattern
    >>> [part.content for part in Pattern("/a/<int:b>/c").parts]
    ['', 'a', '(?P<_v0>(?:0|[1-9][0-9]*))', 'c']
    >>> [(part.static, part.final) for part in Pattern("/a/<path:b>/c").parts]
    [(True, False), (True, False), (False, True)]
    """
    parts: list[RulePart] = []
    pieces: list[str | tuple[str, Converter[Any]]] = []
    final = False
    for token in tokens:
        if isinstance(token, RuleVariable):
            converter = converters[token.name]
            pieces.append((token.name, converter))
            final = final or not converter.part_isolating
        elif final:
            pieces.append(token)
        else:
            *complete, rest = token.split("/")
            for text in complete:
                parts.append(_make_part([*pieces, text] if text else pieces, final=False))
                pieces = []
            if rest:
                pieces.append(rest)
    parts.append(_make_part(pieces, final=final))
    return tuple(parts)


#: How to read one variable from a match: its name, its converter's
#: ``to_python``, its group's index, and whether a ``/`` in the text is no match.
Reader = tuple[str, Callable[[str], Any], int, bool]


def reader(slot: Slot, groupindex: Mapping[str, int], prefix: str) -> Reader:
    """How to read *slot* from a match of a regex built with *prefix*."""
    converter = slot.converter
    # A regex made of many parts could hand a "/" to a converter that promised
    # to stay in one segment (part_isolating) but whose regex would match one;
    # it never gets one. The built-in regexes cannot match a "/".
    refuse_slash = converter.part_isolating and type(converter) not in SLASH_FREE
    index = groupindex[slot.group(prefix)]
    return slot.name, converter._matched_reader(), index, refuse_slash


def capture_rule(parts: Sequence[RulePart], path: str) -> list[str] | None:
    """The texts of a rule's variables in *path*, part by part; ``None`` if a part does not match.

    Each part reads its own segment (a final part, all the rest of the
    path), so that no variable's regex ever sees another segment.
    """
    segments = path.split("/")
    if len(segments) < len(parts) or (len(segments) > len(parts) and not parts[-1].final):
        return None
    texts: list[str] = []
    position = 0
    for part, segment in zip(parts, segments, strict=False):
        text = path[position:] if part.final else segment
        found = part.capture(text)
        if found is None:
            return None
        texts.extend(found)
        position += len(text) + 1
    return texts


def read_values(
    readers: Sequence[Reader], match: re.Match[str] | Sequence[str]
) -> dict[str, Any] | None:
    """Read each variable from *match* (or the captured texts) with its converter.

    :returns: the values, or ``None`` if a converter refuses its text.
    """
    values: dict[str, Any] = {}
    for name, to_python, index, refuse_slash in readers:
        text = match[index]
        if refuse_slash and "/" in text:
            return None
        try:
            values[name] = to_python(text)
        except ValueError:
            return None
    return values
