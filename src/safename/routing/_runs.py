"""The captures of a part made of literals and runs of one character class, from intervals.

Most parts are a sequence of literal texts and counted repeats of one
character class: ``<a>-<b>.txt`` with built-in converters is ``[^/]{1,2000}``,
``-``, ``[^/]{1,2000}``, ``.txt``; ``int`` adds a choice of two such sequences.
For these, :class:`~safename.routing._nfa.PartNFA` hands the match to
:class:`Sequence`, which gives the same captures as ``re.fullmatch`` without a
Python loop over the characters:

1. the runs of each character class and the occurrences of each literal are
   found by ``re`` itself, each with a regex that cannot backtrack (a class
   repeated, a literal), so in C and in time linear in the text;
2. a backward pass finds, for each element, the positions from which the rest
   of the text can be matched, as sorted disjoint intervals. A class repeat
   ``{low,high}`` is live at ``p`` when its run from ``p`` reaches a live
   position of what follows within its bounds: one live interval ``[a, b]``
   inside a run ``[s, e)`` gives the interval ``[max(s, a - high), b - low]``,
   so each (run, interval) pair that overlaps costs O(1), and such pairs are
   at most runs + intervals;
3. a forward walk takes at each element the end a backtracking engine would
   take first (greedy: the last live end in bounds; lazy: the first), found by
   bisection in the intervals.

The Python work is O(runs + occurrences + intervals) per element, each at
most the text's length; ``re``'s is linear in the text. A part with any other
construct (a repeat of more than one character, a look-ahead) is left to the
NFA: :func:`read_sequence` returns ``None``.
"""

from __future__ import annotations

import importlib
import re
from bisect import bisect_left, bisect_right
from collections.abc import Sequence as Items
from typing import Any, Final

sre: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")
sre_compile: Any = importlib.import_module("re._compiler")

__all__ = ["Sequence", "read_sequence"]

_LITERAL: Final = 0  # (kind, text)
_RUN: Final = 1  # (kind, class number, low, high, greedy)
_SAVE: Final = 2  # (kind, slot)
_CHOICE: Final = 3  # (kind, alternatives): a tuple of element tuples

_CHARACTER_OPS: Final = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)
#: A high bound for "no bound", above any text's length.
_NO_END: Final = 1 << 62

Element = tuple[Any, ...]
#: Sorted disjoint intervals of positions, inclusive: their starts and their ends.
Intervals = tuple[list[int], list[int]]


class _Unread(Exception):
    """An item outside what :class:`Sequence` reads: the part stays with the NFA."""


class _Reader:
    """Turns parsed regex items into elements, and numbers the character classes."""

    def __init__(self) -> None:
        self.classes: list[Any] = []
        self._known: dict[tuple[str, int], int] = {}

    def class_number(self, op: Any, argument: Any, flags: int) -> int:
        """The number of the class of one character, with a regex finding its runs."""
        key = (repr((op, argument)), flags)
        known = self._known.get(key)
        if known is None:
            state = sre_parse.State()
            state.flags = flags
            body = sre_parse.SubPattern(state, [(op, argument)])
            runs = sre_parse.SubPattern(state, [(sre.MAX_REPEAT, (1, sre.MAXREPEAT, body))])
            self.classes.append(sre_compile.compile(runs, flags))
            known = self._known[key] = len(self.classes) - 1
        return known

    def items(self, items: Items[tuple[Any, Any]], flags: int, out: list[Element]) -> None:
        for op, argument in items:
            self.item(op, argument, flags, out)

    def item(self, op: Any, argument: Any, flags: int, out: list[Element]) -> None:
        if op is sre.LITERAL and not flags & sre.SRE_FLAG_IGNORECASE:
            _add_literal(out, chr(argument))
        elif op in _CHARACTER_OPS:
            out.append((_RUN, self.class_number(op, argument, flags), 1, 1, True))
        elif op is sre.SUBPATTERN:
            _group, add_flags, del_flags, inner = argument
            self.items(inner, (flags | add_flags) & ~del_flags, out)
        elif op is sre.BRANCH:
            alternatives = []
            for branch in argument[1]:
                elements: list[Element] = []
                self.items(branch, flags, elements)
                alternatives.append(tuple(elements))
            out.append((_CHOICE, tuple(alternatives)))
        elif op is sre.MAX_REPEAT or op is sre.MIN_REPEAT:
            low, high, body = argument
            single = _single(body, flags)
            if single is None:
                raise _Unread
            high = _NO_END if high == sre.MAXREPEAT else high
            number = self.class_number(single[0], single[1], single[2])
            out.append((_RUN, number, low, high, op is sre.MAX_REPEAT))
        else:
            raise _Unread


def _add_literal(out: list[Element], text: str) -> None:
    if out and out[-1][0] == _LITERAL:
        out[-1] = (_LITERAL, out[-1][1] + text)
    else:
        out.append((_LITERAL, text))


def _single(items: Items[tuple[Any, Any]], flags: int) -> tuple[Any, Any, int] | None:
    """The one character item *items* are, with its flags, if they are one."""
    while len(items) == 1 and items[0][0] is sre.SUBPATTERN:
        _group, add_flags, del_flags, items = items[0][1]
        flags = (flags | add_flags) & ~del_flags
    if len(items) == 1 and items[0][0] in _CHARACTER_OPS:
        return items[0][0], items[0][1], flags
    return None


def read_sequence(pieces: Items[tuple[str | None, Any]]) -> Sequence | None:
    """The :class:`Sequence` of a part's pieces, or ``None`` if one is not of that kind.

    :param pieces: literal texts (``(text, None)``) and variables' parsed
        regexes (``(None, (items, flags))``), in order; the regexes were
        already read by the NFA, which refuses what it cannot read.
    """
    reader = _Reader()
    elements: list[Element] = []
    slot = 0
    try:
        for text, parsed in pieces:
            if text is not None:
                _add_literal(elements, text)
                continue
            elements.append((_SAVE, slot))
            reader.items(parsed[0], parsed[1], elements)
            elements.append((_SAVE, slot + 1))
            slot += 2
    except _Unread:
        return None
    return Sequence(tuple(elements), reader.classes, slot)


class Sequence:
    """A part of literals, class repeats and choices of them, matched from intervals.

    Each match answers with its work: the runs, occurrences and intervals
    visited, and the text's length for each scan by ``re``.
    """

    def __init__(self, elements: tuple[Element, ...], classes: list[Any], slots: int) -> None:
        self.elements = elements
        self.classes = classes
        self.slots = slots

    def fullmatch(self, text: str) -> tuple[tuple[str, ...] | None, int]:
        """The variables' texts as ``re.fullmatch`` of the part captures them, and the work."""
        length = len(text)
        runs: list[Intervals | None] = [None] * len(self.classes)
        context = _Context(text, self.classes, runs)
        end: Intervals = ([length], [length])
        lives = context.backward(self.elements, end)
        if not _holds(_live(lives[0]), 0):
            return None, context.steps
        bounds = [0] * self.slots
        context.forward(self.elements, lives, 0, bounds)
        captured = tuple(text[bounds[slot] : bounds[slot + 1]] for slot in range(0, self.slots, 2))
        return captured, context.steps


class _Context:
    """One match: the text, its runs of each class (found once), and the work counted."""

    def __init__(self, text: str, classes: list[Any], runs: list[Intervals | None]) -> None:
        self.text = text
        self.classes = classes
        self.runs = runs
        self.steps = 0

    def class_runs(self, number: int) -> Intervals:
        """The maximal runs of class *number*, as intervals ``[start, end)`` (ends exclusive)."""
        known = self.runs[number]
        if known is None:
            starts: list[int] = []
            ends: list[int] = []
            for found in self.classes[number].finditer(self.text):
                starts.append(found.start())
                ends.append(found.end())
            known = self.runs[number] = (starts, ends)
            self.steps += len(self.text) + len(starts)
        return known

    def backward(self, elements: tuple[Element, ...], after: Intervals) -> list[Any]:
        """The live positions before each element of *elements*, and *after* last.

        The entry of a choice is a pair: its live positions, and the lists of
        each of its alternatives.
        """
        lives: list[Any] = [after] * (len(elements) + 1)
        live = after
        for index in range(len(elements) - 1, -1, -1):
            element = elements[index]
            kind = element[0]
            if kind == _LITERAL:
                live = self._literal(element[1], live)
            elif kind == _RUN:
                live = self._run(element, live)
            elif kind == _CHOICE:
                alternatives = [self.backward(branch, live) for branch in element[1]]
                live = _union([_live(branch[0]) for branch in alternatives])
                lives[index] = (live, alternatives)
                self.steps += 1 + len(live[0])
                continue
            lives[index] = live
            self.steps += 1 + len(live[0])
        return lives

    def _literal(self, literal: str, after: Intervals) -> Intervals:
        """The positions where *literal* is and is followed by a live position."""
        size = len(literal)
        shifted = ([start - size for start in after[0]], [end - size for end in after[1]])
        if literal == literal[0] * size:
            # Occurrences of one repeated character are runs: intervals, found in C.
            starts: list[int] = []
            ends: list[int] = []
            for found in re.finditer(re.escape(literal[0]) + "+", self.text):
                if found.end() - found.start() >= size:
                    starts.append(found.start())
                    ends.append(found.end() - size)
            self.steps += len(self.text) + len(starts)
            return _intersect((starts, ends), shifted)
        places = [found.start() for found in re.finditer(f"(?={re.escape(literal)})", self.text)]
        self.steps += len(self.text) * size + len(places)
        return _intersect((places, places), shifted)

    def _run(self, element: Element, after: Intervals) -> Intervals:
        """The positions from which a repeat of a class reaches a live position in its bounds."""
        _kind, number, low, high, _greedy = element
        run_starts, run_ends = self.class_runs(number)
        live_starts, live_ends = after
        starts: list[int] = []
        ends: list[int] = []
        steps = 0
        for run in range(len(run_starts)):
            start, end = run_starts[run], run_ends[run]
            # A live [a, b] within [start + low, end] gives [max(start, a - high), b - low].
            index = bisect_left(live_ends, start + low)
            while index < len(live_starts) and live_starts[index] <= end:
                steps += 1
                first = max(live_starts[index], start + low)
                last = min(live_ends[index], end)
                index += 1
                if first > last:
                    continue
                low_end, high_end = max(start, first - high), last - low
                if low_end > high_end:
                    continue
                if ends and low_end <= ends[-1] + 1:
                    ends[-1] = max(ends[-1], high_end)
                else:
                    starts.append(low_end)
                    ends.append(high_end)
        self.steps += steps + len(run_starts)
        found = (starts, ends)
        return _union([found, after]) if low == 0 else found

    def forward(
        self, elements: tuple[Element, ...], lives: list[Any], position: int, bounds: list[int]
    ) -> int:
        """Take the backtracking engine's first choice at each element; return the end."""
        for index, element in enumerate(elements):
            self.steps += 1
            kind = element[0]
            if kind == _LITERAL:
                position += len(element[1])
            elif kind == _SAVE:
                bounds[element[1]] = position
            elif kind == _RUN:
                position = self._take(element, _live(lives[index + 1]), position)
            else:
                alternatives = lives[index][1]
                for branch, branch_lives in zip(element[1], alternatives, strict=True):
                    if _holds(_live(branch_lives[0]), position):
                        position = self.forward(branch, branch_lives, position, bounds)
                        break
        return position

    def _take(self, element: Element, after: Intervals, position: int) -> int:
        """The end a repeat takes from *position*: its last live end in bounds, or first if lazy."""
        number: int = element[1]
        low: int = element[2]
        high: int = element[3]
        run_starts, run_ends = self.class_runs(number)
        run = bisect_right(run_starts, position) - 1
        furthest = run_ends[run] if run >= 0 and position < run_ends[run] else position
        nearest, furthest = position + low, min(position + high, furthest)
        starts, ends = after
        if element[4]:
            index = bisect_right(starts, furthest) - 1
            return min(ends[index], furthest)
        index = bisect_left(ends, nearest)
        return max(starts[index], nearest)


def _live(entry: Any) -> Intervals:
    """The live positions of an entry of :meth:`_Context.backward` (a choice's is a pair)."""
    live: Intervals = entry[0] if isinstance(entry[0], tuple) else entry
    return live


def _holds(intervals: Intervals, position: int) -> bool:
    index = bisect_right(intervals[0], position) - 1
    return index >= 0 and position <= intervals[1][index]


def _intersect(first: Intervals, second: Intervals) -> Intervals:
    """The positions in both interval lists."""
    starts: list[int] = []
    ends: list[int] = []
    one = two = 0
    first_starts, first_ends = first
    second_starts, second_ends = second
    while one < len(first_starts) and two < len(second_starts):
        low = max(first_starts[one], second_starts[two])
        high = min(first_ends[one], second_ends[two])
        if low <= high:
            if ends and low == ends[-1] + 1:
                ends[-1] = high
            else:
                starts.append(low)
                ends.append(high)
        if first_ends[one] < second_ends[two]:
            one += 1
        else:
            two += 1
    return starts, ends


def _union(lists: list[Intervals]) -> Intervals:
    """The positions in any of the interval lists."""
    pairs = sorted(
        (start, end) for starts, ends in lists for start, end in zip(starts, ends, strict=True)
    )
    starts: list[int] = []
    ends: list[int] = []
    for start, end in pairs:
        if ends and start <= ends[-1] + 1:
            ends[-1] = max(ends[-1], end)
        else:
            starts.append(start)
            ends.append(end)
    return starts, ends
