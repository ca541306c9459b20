"""Werkzeug's walk of the rule tree in native code: the compiled build's matcher.

The pure build reads a path with regexes (:mod:`safename.routing.matcher`):
Python's regex engine is its fastest loop. Compiled, the walk itself is
faster: the engine's fixed cost per call (state, groups, a match object) is
larger than reading a few segments in C. So the compiled build walks the same
tree as :func:`~safename.routing.matcher.search`, in the same order: at each
segment the static step (a dict lookup) first, then the dynamic steps by
rank, and at the end the rules in the order added, each read by its own
converters; a refusal gives way to the next.

Each dynamic step knows its converter's regex as a *kind* and reads a segment
with a character loop instead of the regex: a plain string's length, a
canonical int, a decimal, a UUID, an ``any`` item, a path of non-empty
segments. A step of any other part (text around a variable, several
variables, a custom converter) tests its text with the part's own reader, as
the walk in Python does, and a rule with such a part reads its values with its
own ``match``.

The walk recurses once per segment that leads into the tree, so its depth is
bounded by the tree's height, not by the path: :func:`walk_tree` builds it
only for a tree no higher than :data:`MAX_HEIGHT`, and a matcher with a
deeper rule uses its regexes.
"""

from __future__ import annotations

import sys
import types
from collections.abc import Callable, Iterable, Sequence
from typing import Any, Final, cast, final

from safename.routing import _readers
from safename.routing.converters import (
    AnyConverter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
    UUIDConverter,
)
from safename.routing.rules import RulePart, capture_rule

__all__ = [
    "MAX_HEIGHT",
    "NATIVE",
    "End",
    "Read",
    "Step",
    "WalkNode",
    "part_kind",
    "walk",
]

Values = dict[str, Any]

#: The kinds of a dynamic part: how a step tests its text without ``re``.
OTHER: Final = 0  # the part's own reader
SEGMENT: Final = 1  # a string converter: a length
INT: Final = 2  # an int converter without fixed digits
FLOAT: Final = 3
UUID: Final = 4
ANY: Final = 5
PATH: Final = 6  # a path converter in the final part, alone or before static text

#: The highest tree the walk takes: one native frame per level.
MAX_HEIGHT: Final = 64


def part_kind(part: RulePart) -> int:
    """How a step of *part* tests a text: one of the kinds above.

    A part of one variable alone, of a built-in converter class itself (not a
    subclass, which may change what it reads), has the kind of its
    converter, and so does a final ``path`` variable followed by static text
    (``<path:page>/edit``); any other part is ``OTHER``.

    >>> from safename.routing import Pattern
    >>> [part_kind(part) for part in Pattern("/<int:a>/<b>/x<c>/<path:d>").parts[1:]]
    [2, 1, 0, 6]
    """
    if part.static:
        return OTHER
    converter = part.slots[0].converter
    kind = type(converter)
    if kind is PathConverter and part.final and (len(part.template) == 1 or _suffix(part)):
        return PATH
    if len(part.template) != 1:
        return OTHER
    if kind is StringConverter:
        return SEGMENT
    if isinstance(converter, IntConverter) and kind is IntConverter:
        return OTHER if converter.fixed_digits else INT
    if kind is FloatConverter:
        return FLOAT
    if kind is UUIDConverter:
        return UUID
    if kind is AnyConverter:
        return ANY
    return OTHER


def _suffix(part: RulePart) -> str:
    """The static text after a part's only variable, if that is all the part holds; else ``""``.

    >>> from safename.routing import Pattern
    >>> _suffix(Pattern("/<path:page>/edit").parts[1]), _suffix(Pattern("/<a>-<b>").parts[1])
    ('/edit', '')
    """
    template = part.template
    if len(template) == 2 and len(part.slots) == 1 and isinstance(template[1], str):
        return template[1]
    return ""


@final
class Step:
    """What a dynamic step tests: its kind, and what the kind needs to test a text.

    A step does not know the node it leads to (its :class:`WalkNode` keeps
    that), so nodes whose steps test the same way share one step object.
    """

    def __init__(self, part: RulePart) -> None:
        # The attributes a test reads first, so that they share a cache line.
        self.kind = part_kind(part)
        self.final = part.final
        self.shortest = 0
        self.longest = -1  # no bound
        self.signed = False
        #: A final path's static text after the variable (``/edit``), or "".
        self.suffix = _suffix(part)
        self.items: frozenset[str] = frozenset()
        self.test: Callable[[str], object] = part.test
        converter = None if part.static else part.slots[0].converter
        if isinstance(converter, StringConverter):
            self.shortest = converter.minlength
            self.longest = -1 if converter.maxlength is None else converter.maxlength
        elif isinstance(converter, IntConverter | FloatConverter):
            self.signed = converter.signed
        elif isinstance(converter, AnyConverter):
            self.items = frozenset(converter.items)

    def accepts(self, text: str) -> bool:
        """Whether the part's regex matches all of *text*.

        *text* is one segment (no ``/``), or all the rest of the path for a
        final part.

        >>> from safename.routing import Pattern
        >>> step = Step(Pattern("/<int:n>").parts[1])
        >>> step.accepts("42"), step.accepts("042"), step.accepts("-1")
        (True, False, False)
        """
        kind = self.kind
        if kind == SEGMENT:
            return self.shortest <= len(text) and (self.longest < 0 or len(text) <= self.longest)
        if kind == INT:
            return _is_canonical_int(text, self.signed)
        if kind == FLOAT:
            return _is_decimal(text, self.signed)
        if kind == UUID:
            return _is_uuid(text)
        if kind == ANY:
            return text in self.items
        if kind == PATH:
            suffix = self.suffix
            if not suffix:
                return _is_path(text)
            return text.endswith(suffix) and _is_path(text[: len(text) - len(suffix)])
        return self.test(text) is not None


def _is_path(text: str) -> bool:
    """``[^/]+(?:/[^/]+)*``: runs of non-slashes joined by single slashes."""
    return text != "" and text[0] != "/" and text[-1] != "/" and "//" not in text


def _is_canonical_int(text: str, signed: bool) -> bool:
    """``(?:0|[1-9][0-9]*)``, or with a ``-`` first (never ``-0``) when *signed*."""
    negative = signed and text != "" and text[0] == "-"
    start = 1 if negative else 0
    if start == len(text):
        return False
    first = ord(text[start])
    if first == 48:  # "0": alone, and never "-0"
        return len(text) == 1
    if not 49 <= first <= 57:
        return False
    for index in range(start + 1, len(text)):  # noqa: SIM110 - compiled, all() makes a generator
        if not 48 <= ord(text[index]) <= 57:
            return False
    return True


def _is_decimal(text: str, signed: bool) -> bool:
    """``[0-9]+\\.[0-9]+``, with an optional ``-`` first when *signed*."""
    start = 1 if signed and text != "" and text[0] == "-" else 0
    dot = -1
    for index in range(start, len(text)):
        code = ord(text[index])
        if code == 46 and dot < 0:  # "."
            dot = index
        elif not 48 <= code <= 57:
            return False
    return start < dot < len(text) - 1


#: Where the hex digits of a UUID's text are; a ``-`` is at each other place.
_HEX_PLACES: Final = tuple(index for index in range(36) if index not in (8, 13, 18, 23))


def _is_uuid(text: str) -> bool:
    """``[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}``."""
    if len(text) != 36 or not text[8] == text[13] == text[18] == text[23] == "-":
        return False
    for index in _HEX_PLACES:  # a loop, not all(): see _is_canonical_int
        code = ord(text[index])
        if not (48 <= code <= 57 or 97 <= code <= 102):  # 0-9, a-f
            return False
    return True


@final
class Read:
    """How a rule reads one value: from the segment its step took, or all the rest.

    A read holds no converter (its rule passes the converter's reader), so
    rules that read the same way share one read object (see :func:`_shared_reads`).
    """

    def __init__(self, part: RulePart, place: int) -> None:
        slot = part.slots[0]
        converter = slot.converter
        # Interned: rules with the same names share them, and a match reads fewer objects.
        self.name = sys.intern(slot.name)
        self.kind = part_kind(part)
        #: The segment the part reads (the first, for a final part).
        self.place = place
        self.final = part.final
        self.suffix = _suffix(part)
        # An int converter without bounds: the digits are the value.
        self.plain_int = (
            isinstance(converter, IntConverter) and converter.min is None and converter.max is None
        )

    def key(self) -> tuple[str, int, int, bool, str, bool]:
        """What makes two reads the same."""
        return self.name, self.kind, self.place, self.final, self.suffix, self.plain_int

    def value(self, segments: list[str], path: str, reader: Callable[[str], Any]) -> Any:
        """The value of the part's text in *path*, split into *segments*.

        :param reader: the converter's reader of a matched text, for a text
            the fast roads do not take; it raises ValueError to refuse.
        :raises ValueError: if the converter refuses it.
        """
        if self.final:
            start = 0
            for index in range(self.place):
                start += len(segments[index]) + 1
            text = path[start : len(path) - len(self.suffix)]
        else:
            text = segments[self.place]
        kind = self.kind
        if kind == SEGMENT:
            if _readers.is_plain_segment(text):
                return text
        elif kind == INT:
            if self.plain_int:
                return _int_value(text)
        elif kind == PATH:
            if _readers.is_plain_path(text):
                return text
        elif kind == ANY:
            return text
        elif kind == UUID:
            return _readers.uuid_value(text)
        return reader(text)


#: The most digits whose value a native int holds: 18 decimal digits < 2**62.
_NATIVE_DIGITS: Final = 18


def _int_value(text: str) -> int:
    """The value of a canonical int text (``_is_canonical_int``); ``int()`` for a long one.

    :raises ValueError: for more digits than ``int()`` reads (``sys.set_int_max_str_digits``).
    """
    if len(text) > _NATIVE_DIGITS:
        return int(text)
    negative = text[0] == "-"
    value = 0
    for index in range(1 if negative else 0, len(text)):
        value = value * 10 + ord(text[index]) - 48
    return -value if negative else value


@final
class End:
    """A rule that ends at a node: its endpoint, and how to read its values.

    A rule whose dynamic parts all have a kind reads each value from the
    segment its step took, by the converter's reader for a matched text; any
    other rule reads the path again with its own *match*, as the walk in
    Python does.

    :param places: the segment each of *dynamic_parts* reads: its index among
        the rule's parts (a final part reads from there to the end).
    """

    def __init__(
        self,
        endpoint: str,
        match: Callable[[str], Values | None],
        dynamic_parts: Sequence[RulePart],
        places: Sequence[int],
        *,
        read: tuple[Sequence[RulePart], Callable[[Sequence[str]], Values | None]] | None = None,
        shared: dict[object, Any] | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.match = match
        #: The rule's parts and the reader of its captured texts: the rules
        #: that end at one node read the path once between them.
        self.parts: Sequence[RulePart] = () if read is None else read[0]
        self.read_texts = None if read is None else read[1]
        self.native = all(part_kind(part) != OTHER for part in dynamic_parts)
        native = self.native
        pairs = zip(dynamic_parts, places, strict=True)
        self.reads = _shared_reads(pairs, {} if shared is None else shared) if native else ()
        #: The converters' readers of matched texts, in the order of ``reads``.
        self.readers: tuple[Callable[[str], Any], ...] = (
            tuple(part.slots[0].converter._matched_reader() for part in dynamic_parts)
            if native
            else ()
        )

    def read(self, segments: list[str], path: str) -> Values | None:
        """The rule's values in *path* (split into *segments*), or ``None``: a converter refused."""
        if not self.native:
            return self.match(path)
        values: Values = {}
        reads = self.reads
        try:
            for number in range(len(reads)):
                read = reads[number]
                values[read.name] = read.value(segments, path, self.readers[number])
        except ValueError:  # a converter refused its text
            return None
        return values


def _shared_reads(
    pairs: Iterable[tuple[RulePart, int]], shared: dict[object, Any]
) -> tuple[Read, ...]:
    """The reads of a rule's parts at their places: one object for each way of reading."""
    reads = []
    for part, place in pairs:
        made = Read(part, place)
        reads.append(shared.setdefault(("read", made.key()), made))
    found = tuple(reads)
    return cast("tuple[Read, ...]", shared.setdefault(("reads", found), found))


#: Static steps up to which a node compares the segment with each, not hashing it.
FEW: Final = 6
#: The longest run of filled slots a node's table may have; else a dict is used.
CLUSTER: Final = 4
#: What an empty slot of a node's table holds: no segment is "/".
EMPTY: Final = "/"


@final
class WalkNode:
    """A place in the tree: static steps by segment, dynamic steps by rank, rules that end here.

    A dict would hash each new segment with SipHash, which costs more than
    the rest of the lookup. So a node with :data:`FEW` static steps or fewer
    compares the segment with each of their texts (a length and a memory
    compare), and a node with more looks in a small open-addressed table,
    from a slot picked by the segment's length and its first and last
    characters. Only where the texts crowd the table (a run of more than
    :data:`CLUSTER` filled slots) does the node look the segment up in a dict.

    The node keeps the texts itself, interned, apart from the nodes they lead
    to: a lookup reads one tuple of texts (shared with every node that has the
    same steps, as ``/v1/users`` and ``/v2/users`` do) and touches only the
    child it finds. A router's tree is read from memory that other work has
    just used, so each object a match touches costs it.
    """

    def __init__(
        self,
        static: dict[str, WalkNode] | None = None,
        steps: Sequence[tuple[RulePart, WalkNode]] = (),
        ends: Sequence[End] = (),
        *,
        shared: dict[object, Any] | None = None,
    ) -> None:
        self.static: dict[str, WalkNode] = static or {}
        # What nodes of one tree may share (texts, steps): they are never changed.
        shared = {} if shared is None else shared
        # Tuples: their items sit in the object itself, one memory read fewer than a list's.
        texts, self.children, self.mask = _table(self.static)
        self.texts: tuple[str, ...] = shared.setdefault(("texts", texts), texts)
        made = tuple(_shared_step(part, shared) for part, _ in steps)
        self.steps: tuple[Step, ...] = shared.setdefault(("steps", made), made)
        self.step_children = tuple(child for _, child in steps)
        self.ends = tuple(ends)

    def static_child(self, segment: str) -> WalkNode | None:
        """The node of the static step *segment*, or ``None``.

        >>> node = WalkNode({"posts": WalkNode(), "likes": WalkNode()})
        >>> node.static_child("posts") is node.static["posts"], node.static_child("post")
        (True, None)
        """
        texts = self.texts
        mask = self.mask
        if mask:
            number = _slot(segment, mask)
            while True:
                text = texts[number]
                if text is EMPTY:
                    return None
                if text == segment:
                    return self.children[number]
                number = (number + 1) & mask
        for number in range(len(texts)):
            if texts[number] == segment:
                return self.children[number]
        if self.static and not texts:
            return self.static.get(segment)
        return None


def _shared_step(part: RulePart, shared: dict[object, Any]) -> Step:
    """The step of *part*: one object for every part that tests its text the same way.

    Parts with one key (their regex, finality and weight) are one step in a
    node already; a part of a custom converter keeps a step of its own.
    """
    if part_kind(part) == OTHER:
        return Step(part)
    key = ("step", part.key(), part_kind(part))
    step = shared.get(key)
    if step is None:
        step = shared[key] = Step(part)
    return cast("Step", step)


def _table(
    static: dict[str, WalkNode],
) -> tuple[tuple[str, ...], tuple[WalkNode, ...], int]:
    """The texts, children and mask a node looks *static* up in.

    A mask of 0 means a list to compare in order; no texts, a dict.
    """
    texts = tuple(sys.intern(text) for text in static)
    if len(texts) <= FEW:
        return texts, tuple(static.values()), 0
    size = 8
    while size < 4 * len(texts):
        size *= 2
    slots: list[str] = [EMPTY] * size
    children: list[WalkNode | None] = [None] * size
    for text, child in zip(texts, static.values(), strict=True):
        number = _slot(text, size - 1)
        while slots[number] is not EMPTY:
            number = (number + 1) & (size - 1)
        slots[number] = text
        children[number] = child
    if _longest_run(slots) > CLUSTER:
        return (), (), 0
    # An empty slot's child is never read: any node will do.
    empty = WalkNode()
    return tuple(slots), tuple(empty if child is None else child for child in children), size - 1


def _longest_run(slots: Sequence[str]) -> int:
    """The most filled slots in a row, round the end: what a lookup may compare."""
    longest = run = 0
    for text in (*slots, *slots):
        run = 0 if text is EMPTY else run + 1
        longest = max(longest, run)
    return min(longest, len(slots))


def _slot(segment: str, mask: int) -> int:
    """The first slot for *segment*, from its length and its first and last characters."""
    size = len(segment)
    if size == 0:
        return 0
    return (ord(segment[0]) * 31 + ord(segment[size - 1]) * 7 + size) & mask


def walk(root: WalkNode, path: str) -> tuple[str, Values] | None:
    """The endpoint and values of the first rule below *root* that matches *path*, or ``None``.

    >>> from safename.routing import Pattern
    >>> pattern = Pattern("/<int:id>")
    >>> user = WalkNode(ends=[End("user", pattern.match, pattern.parts[1:], [1])])
    >>> root = WalkNode(steps=[(pattern.parts[1], user)])
    >>> walk(root, "/42"), walk(root, "/ann"), walk(root, "42")
    (('user', {'id': 42}), None, None)
    """
    if not path.startswith("/"):
        return None
    return cast("tuple[str, Values] | None", _walk(root, path.split("/"), 1, 1, path))


def _walk(node: WalkNode, segments: list[str], index: int, position: int, path: str) -> object:
    """The walk from *node*, at the segment *index*, which starts at *position* in *path*.

    It returns what :func:`walk` does. The type says ``object`` so that a
    compiled build hands the tuple up the recursion as it is, instead of
    unpacking and packing it again at each level.
    """
    if index == len(segments):
        return _first_end(node.ends, segments, path)
    segment = segments[index]
    after = position + len(segment) + 1
    child = node.static_child(segment)
    if child is not None:
        found = _walk(child, segments, index + 1, after, path)
        if found is not None:
            return found
    steps = node.steps
    for number in range(len(steps)):
        step = steps[number]
        if step.final:
            if step.accepts(path[position:]):
                child = node.step_children[number]
                found = _walk(child, segments, len(segments), len(path) + 1, path)
                if found is not None:
                    return found
        elif step.accepts(segment):
            found = _walk(node.step_children[number], segments, index + 1, after, path)
            if found is not None:
                return found
    return None


def _first_end(ends: tuple[End, ...], segments: list[str], path: str) -> object:
    """The first rule of *ends* whose values *path* gives; the path is read once for them all."""
    texts: list[str] | None = None
    # By index: compiled, a loop over a tuple then makes no iterator object.
    for number in range(len(ends)):
        rule = ends[number]
        if rule.native or rule.read_texts is None:
            values = rule.read(segments, path)
        else:
            if texts is None:
                texts = capture_rule(rule.parts, path)
                if texts is None:
                    return None
            values = rule.read_texts(texts)
        if values is not None:
            return rule.endpoint, values
    return None


#: Whether this module is compiled: a compiled function is not a Python function.
NATIVE: Final = not isinstance(_walk, types.FunctionType)
