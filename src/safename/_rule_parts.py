"""A parsed rule cut into the parts Werkzeug's matcher walks, with their ranks."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from safename._rule_parser import RuleVariable
from safename.converters import SLASH_FREE, Converter

__all__ = [
    "GROUP_PREFIX",
    "Reader",
    "RulePart",
    "Slot",
    "Weight",
    "read_values",
    "reader",
    "split_parts",
    "template_regex",
]

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
    """

    static: bool
    content: str
    final: bool
    weight: Weight
    slots: tuple[Slot, ...]
    # Regex text and slots, in order, from which `regex` builds the content.
    template: tuple[str | Slot, ...] = field(repr=False)
    #: ``fullmatch`` of ``content`` as a regex (for a static part, of its text).
    fullmatch: Callable[[str], re.Match[str] | None] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pattern = re.escape(self.content) if self.static else self.content
        object.__setattr__(self, "fullmatch", re.compile(pattern).fullmatch)

    def key(self) -> tuple[bool, str, bool, Weight]:
        """What makes two parts the same step: they share a node of a router."""
        return self.static, self.content, self.final, self.weight

    def regex(self, prefix: str) -> str:
        """The regex of the part, each variable a group named *prefix* and its number."""
        return template_regex(self.template, prefix)


def template_regex(template: Sequence[str | Slot], prefix: str) -> str:
    """Join regex text and variables (groups named *prefix* and their number) into a regex."""
    return "".join(
        piece if isinstance(piece, str) else f"(?P<{piece.group(prefix)}>{piece.converter.regex})"
        for piece in template
    )


_NO_WEIGHT: Weight = (0, (), 0, ())
#: The group names of a rule's own regexes: ``_v0``, ``_v1``, ...
GROUP_PREFIX = "_v"


def _make_part(pieces: list[str | tuple[str, Converter[Any]]], *, final: bool) -> RulePart:
    if all(isinstance(piece, str) for piece in pieces):
        text = "".join(map(str, pieces))
        return RulePart(True, text, False, _NO_WEIGHT, (), (re.escape(text),))
    template: list[str | Slot] = []
    static_weights: list[tuple[int, int]] = []
    for piece in pieces:
        if isinstance(piece, str):
            template.append(re.escape(piece))
            # Werkzeug counts each run of static text between slashes.
            static_weights.extend(
                (len(static_weights), -len(chunk)) for chunk in piece.split("/") if chunk
            )
        else:
            name, converter = piece
            number = sum(isinstance(item, Slot) for item in template)
            template.append(Slot(name, converter, number))
    slots = tuple(piece for piece in template if isinstance(piece, Slot))
    weights = tuple(slot.converter.weight for slot in slots)
    weight = (-len(static_weights), tuple(static_weights), -len(weights), weights)
    content = template_regex(template, GROUP_PREFIX)
    return RulePart(False, content, final, weight, slots, tuple(template))


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


def read_values(readers: Sequence[Reader], match: re.Match[str]) -> dict[str, Any] | None:
    """Read each variable from *match* with its converter; ``None`` if one refuses."""
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
