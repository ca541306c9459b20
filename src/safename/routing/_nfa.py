"""Python's leftmost-first captures of one rule part, in time linear in the text.

A part with several variables (``<a>-<b>.<ext>``) or several ``path``
converters makes Python's backtracking ``re`` try every way to split its text:
polynomial time in the text's length, with a degree that grows with the
variables (the class of CVE-2024-45296). This module matches such a part
without backtracking and still gives ``re.fullmatch``'s answer, the texts the
backtracking engine would have captured:

1. the part (its literals and its converters' regexes, read with
   ``re._parser``) becomes a small NFA whose branches keep the backtracking
   engine's priority order: greedy loops try one more first, lazy ones one
   less, alternatives left to right;
2. a backward pass finds, at each position of the text, the set of NFA nodes
   from which the rest of the text can be matched (*live* nodes). Each set
   is a state of a DFA built as the text needs it, so the pass costs one dict
   look-up per character once the DFA has seen that character in that state;
3. a forward walk from the start follows, at each choice, the first branch
   in priority order that is live. That is the branch where the backtracking
   engine's search would first succeed, so the walk reads the same captures,
   and it never backtracks: it takes at most one step per node per position.

The cost is O(len(text) * nodes) in the worst case, nodes being the size of
the part's NFA (a counted repeat ``{m,n}`` counts ``n`` times). Regexes
outside the regular subset this module reads (back-references, look-behind,
flags, a loop whose body can match nothing) raise :class:`Unsupported`: the
caller then keeps Python's ``re`` on that part's own segment.
"""

from __future__ import annotations

import importlib
import re
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

# The parser of Python's own re: the NFA reads regexes exactly as re does.
# Private, hence no stubs; it has been stable since Python 3.11.
sre: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")

__all__ = ["PartNFA", "Unsupported"]

# Node kinds.
_CONSUME: Final = 0  # (kind, test, next): one character that passes test
_SPLIT: Final = 1  # (kind, targets): epsilon moves, in priority order
_SAVE: Final = 2  # (kind, slot, next): the position, as a capture boundary
_ASSERT: Final = 3  # (kind, (text, wanted), next): text starts here, or not
_MATCH: Final = 4  # (kind,): the end of the pattern

#: Moves a part's shared DFA keeps; beyond, each match builds its own, so that
#: texts of many distinct characters cannot make it grow without bound.
_CACHE_LIMIT: Final = 4096
#: The NFA nodes a part may have (a counted repeat is written out).
NODE_LIMIT: Final = 200_000

_CATEGORIES: Final = {
    sre.CATEGORY_DIGIT: re.compile(r"\d").fullmatch,
    sre.CATEGORY_NOT_DIGIT: re.compile(r"\D").fullmatch,
    sre.CATEGORY_SPACE: re.compile(r"\s").fullmatch,
    sre.CATEGORY_NOT_SPACE: re.compile(r"\S").fullmatch,
    sre.CATEGORY_WORD: re.compile(r"\w").fullmatch,
    sre.CATEGORY_NOT_WORD: re.compile(r"\W").fullmatch,
}

Test = Callable[[str], bool]
Node = tuple[Any, ...]


class Unsupported(ValueError):
    """A regex outside the regular subset that :class:`PartNFA` reads."""


def _char_test(op: Any, argument: Any) -> Test:
    """The test of one character for a LITERAL, NOT_LITERAL, ANY or IN item."""
    if op is sre.LITERAL:
        literal = chr(argument)
        return literal.__eq__
    if op is sre.NOT_LITERAL:
        literal = chr(argument)
        return literal.__ne__
    if op is sre.ANY:
        return "\n".__ne__
    if op is sre.IN:
        return _set_test(argument)
    raise Unsupported(f"cannot read {op} in a converter's regex")


def _set_test(items: Sequence[tuple[Any, Any]]) -> Test:
    negate = False
    literals: set[str] = set()
    ranges: list[tuple[int, int]] = []
    categories: list[Callable[[str], object]] = []
    for op, argument in items:
        if op is sre.NEGATE:
            negate = True
        elif op is sre.LITERAL:
            literals.add(chr(argument))
        elif op is sre.RANGE:
            ranges.append(argument)
        elif op is sre.CATEGORY and argument in _CATEGORIES:
            categories.append(_CATEGORIES[argument])
        else:
            raise Unsupported(f"cannot read {op} in a character set")

    def test(character: str) -> bool:
        code = ord(character)
        found = (
            character in literals
            or any(low <= code <= high for low, high in ranges)
            or any(category(character) is not None for category in categories)
        )
        return found != negate

    return test


class _Builder:
    """Writes parsed regexes into a list of nodes, from the end backwards.

    Each ``add_*`` method takes the node that follows and returns the node
    that starts what it added: building backwards needs no patching of
    forward references.
    """

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        # A part often repeats a converter: its regex is read once.
        self._parsed: dict[str, list[tuple[Any, Any]]] = {}

    def node(self, *node: Any) -> int:
        if len(self.nodes) >= NODE_LIMIT:
            raise Unsupported(f"the part needs more than {NODE_LIMIT} NFA nodes")
        self.nodes.append(node)
        return len(self.nodes) - 1

    def literal(self, text: str, following: int) -> int:
        for character in reversed(text):
            following = self.node(_CONSUME, character.__eq__, following)
        return following

    def regex(self, regex: str, following: int) -> int:
        try:
            parsed = self._parsed.get(regex)
            if parsed is None:
                tree = sre_parse.parse(regex)
                if tree.state.flags & ~sre.SRE_FLAG_UNICODE:
                    raise Unsupported(f"flags in {regex!r}")
                parsed = self._parsed[regex] = list(tree)
            return self.sequence(parsed, following)
        except (re.error, RecursionError, OverflowError) as error:
            # A custom regex nested too deep for this reader stays with re.
            raise Unsupported(f"cannot read {regex!r}: {error}") from error

    def sequence(self, items: Sequence[tuple[Any, Any]], following: int) -> int:
        for op, argument in reversed(items):
            following = self.item(op, argument, following)
        return following

    def item(self, op: Any, argument: Any, following: int) -> int:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
            return self.node(_CONSUME, _char_test(op, argument), following)
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, items = argument
            if add_flags or del_flags:
                raise Unsupported("flags in a group")
            return self.sequence(items, following)
        if op is sre.BRANCH:
            starts = [self.sequence(branch, following) for branch in argument[1]]
            return self.node(_SPLIT, tuple(starts))
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            low, high, items = argument
            return self.repeat(items, low, high, op is sre.MAX_REPEAT, following)
        if op is sre.ASSERT_NOT or op is sre.ASSERT:
            direction, items = argument
            text = _plain_text(items)
            if direction != 1 or text is None:
                raise Unsupported("a look-around other than a look-ahead of plain text")
            return self.node(_ASSERT, (text, op is sre.ASSERT), following)
        raise Unsupported(f"cannot read {op} in a converter's regex")

    def repeat(
        self, items: Sequence[tuple[Any, Any]], low: int, high: int, greedy: bool, following: int
    ) -> int:
        if _nullable(items):
            # Python's re stops a loop at an empty iteration in its own way.
            raise Unsupported("a repeat whose body can match nothing")
        if high == sre.MAXREPEAT:
            loop = self.node(_SPLIT, ())  # its targets are set once the body exists
            body = self.sequence(items, loop)
            self.nodes[loop] = (_SPLIT, (body, following) if greedy else (following, body))
            start = loop
        else:
            start = following
            for _ in range(high - low):
                body = self.sequence(items, start)
                start = self.node(_SPLIT, (body, following) if greedy else (following, body))
                following = start
        for _ in range(low):
            start = self.sequence(items, start)
        return start


def _plain_text(items: Sequence[tuple[Any, Any]]) -> str | None:
    text = []
    for op, argument in items:
        if op is sre.LITERAL:
            text.append(chr(argument))
        elif op is sre.MAX_REPEAT and argument[0] == argument[1]:
            inner = _plain_text(argument[2])
            if inner is None:
                return None
            text.append(inner * argument[0])
        else:
            return None
    return "".join(text)


def _nullable(items: Sequence[tuple[Any, Any]]) -> bool:
    """Whether the regex items can match the empty text (conservatively: True if unsure)."""
    for op, argument in items:
        if op in (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN):
            return False
        if op is sre.SUBPATTERN and not _nullable(argument[3]):
            return False
        if op is sre.BRANCH and not any(map(_nullable, argument[1])):
            return False
        repeated = op in (sre.MAX_REPEAT, sre.MIN_REPEAT)
        if repeated and argument[0] > 0 and not _nullable(argument[2]):
            return False
    return True


@dataclass(frozen=True)
class Piece:
    """A piece of a part: literal text, or a variable's regex (``None`` text)."""

    text: str | None
    regex: str = ""


class PartNFA:
    """A part's NFA and its DFA of live nodes, made as texts need it.

    :param pieces: the part in order: literal texts and variables' regexes.
    :raises Unsupported: for a regex outside the subset read here.

    :ivar steps: the work done so far (DFA look-ups, nodes visited when a
        state is new, and walk steps), for tests that prove the linear bound.

    >>> nfa = PartNFA([Piece(None, "[^/]+"), Piece("-"), Piece(None, "[^/]+")])
    >>> nfa.fullmatch("a-b-c")
    ('a-b', 'c')
    >>> nfa.fullmatch("abc") is None
    True
    """

    def __init__(self, pieces: Sequence[Piece]) -> None:
        builder = _Builder()
        following = builder.node(_MATCH)
        slots = sum(piece.text is None for piece in pieces)
        self.slots = slots
        slot = 2 * slots
        for piece in reversed(pieces):
            if piece.text is not None:
                following = builder.literal(piece.text, following)
            else:
                slot -= 2
                following = builder.node(_SAVE, slot + 1, following)
                following = builder.regex(piece.regex, following)
                following = builder.node(_SAVE, slot, following)
        self._nodes = builder.nodes
        self._start = following
        # Texts a match must contain, tested first at the speed of str.find:
        # most texts that cannot match are refused without running the NFA.
        texts = [piece.text or "" for piece in pieces] or [""]
        self._prefix, self._suffix = texts[0], texts[-1]
        self._literals = tuple(dict.fromkeys(text for text in texts if text))
        self._asserts = any(node[0] == _ASSERT for node in self._nodes)
        # Which nodes reach each node by one epsilon move (split, save, assert).
        self._back: list[list[int]] = [[] for _ in self._nodes]
        for index, node in enumerate(self._nodes):
            for target in _epsilon_targets(node):
                self._back[target].append(index)
        # Greedy loops over one character: the walk runs through them in one go.
        self._runs = {
            index: node[1][0]
            for index, node in enumerate(self._nodes)
            if node[0] == _SPLIT
            and self._nodes[node[1][0]][0] == _CONSUME
            and self._nodes[node[1][0]][2] == index
        }
        self._consumers = [index for index, node in enumerate(self._nodes) if node[0] == _CONSUME]
        self._matching = {index for index, node in enumerate(self._nodes) if node[0] == _MATCH}
        self.steps = 0
        # The DFA shared by every match of this part, as long as it stays
        # small. Only ever added to, under the lock, so that a thread reading
        # it meanwhile sees every state id it was given.
        self._shared = _DFA()
        self._lock = threading.Lock()
        self._shared_end = self._shared.state_id(self._closure(self._matching, "", 0))

    def fullmatch(self, text: str) -> tuple[str, ...] | None:
        """The texts of the variables, as ``re.fullmatch`` of the part would capture them."""
        if not (text.startswith(self._prefix) and text.endswith(self._suffix)) or any(
            literal not in text for literal in self._literals
        ):
            return None
        if self._asserts or len(self._shared.moves) >= _CACHE_LIMIT:
            # A look-ahead makes a move depend on the text that follows, and
            # a full DFA stops growing: this match builds its own.
            dfa = _DFA()
            lock: threading.Lock | None = None
            end = dfa.state_id(self._closure(self._matching, text, len(text)))
        else:
            dfa, lock, end = self._shared, self._lock, self._shared_end
        ids = self._live_states(text, dfa, lock, end)
        return None if ids is None else self._walk(text, dfa.states, ids)

    def _live_states(
        self, text: str, dfa: _DFA, lock: threading.Lock | None, end: int
    ) -> list[int] | None:
        """The live state at each position of *text*, or ``None`` if the start is dead."""
        length = len(text)
        ids = [0] * (length + 1)
        ids[length] = state = end
        moves = dfa.moves
        for position in range(length - 1, -1, -1):
            character = text[position]
            following = moves.get((state, character))
            if following is None:
                following = self._step(dfa, lock, state, text, position)
            if not following:
                # Nothing matches from here on, so nothing from any earlier position.
                self.steps += length - position
                return None
            ids[position] = state = following
        self.steps += length + 1
        return ids if self._start in dfa.states[state] else None

    def _step(
        self, dfa: _DFA, lock: threading.Lock | None, state: int, text: str, position: int
    ) -> int:
        """The live state before ``text[position]``, given *state* after it; remembered."""
        live = dfa.states[state]
        character = text[position]
        nodes = self._nodes
        good = {
            index
            for index in self._consumers
            if nodes[index][2] in live and nodes[index][1](character)
        }
        self.steps += len(self._consumers)
        found = self._closure(good, text, position)
        if lock is None:
            return dfa.remember(state, character, found)
        with lock:
            return dfa.remember(state, character, found)

    def _closure(self, seeds: set[int], text: str, position: int) -> frozenset[int]:
        """Every node that reaches one of *seeds* by epsilon moves at *position*."""
        found = set(seeds)
        stack = list(seeds)
        nodes = self._nodes
        while stack:
            index = stack.pop()
            self.steps += 1
            for source in self._back[index]:
                if source in found:
                    continue
                node = nodes[source]
                if node[0] == _ASSERT:
                    literal, wanted = node[1]
                    if text.startswith(literal, position) != wanted:
                        continue
                found.add(source)
                stack.append(source)
        return frozenset(found)

    def _walk(self, text: str, states: list[frozenset[int]], ids: list[int]) -> tuple[str, ...]:
        """Follow the first live branch at every choice: the backtracking engine's captures."""
        nodes = self._nodes
        runs = self._runs
        bounds = [0] * (2 * self.slots)
        position = 0
        index = self._start
        steps = 0
        while True:
            steps += 1
            node = nodes[index]
            kind = node[0]
            if kind == _CONSUME:
                position += 1
                index = node[2]
            elif kind == _SPLIT:
                body = runs.get(index)
                if body is not None:
                    start = position
                    while body in states[ids[position]]:
                        position += 1
                    steps += position - start
                live = states[ids[position]]
                for index in node[1]:  # the first live target is the one taken
                    if index in live:
                        break
            elif kind == _MATCH:
                break
            else:  # a save, or an assertion that held (the node is live)
                if kind == _SAVE:
                    bounds[node[1]] = position
                index = node[2]
        self.steps += steps
        return tuple(text[bounds[slot] : bounds[slot + 1]] for slot in range(0, len(bounds), 2))


class _DFA:
    """Sets of live NFA nodes (state 0: none), and the moves found between them."""

    def __init__(self) -> None:
        self.states: list[frozenset[int]] = [frozenset()]
        self.ids: dict[frozenset[int], int] = {frozenset(): 0}
        self.moves: dict[tuple[int, str], int] = {}

    def state_id(self, live: frozenset[int]) -> int:
        """The id of the state *live*, made if new."""
        known = self.ids.get(live)
        if known is None:
            # Appended before it is named, so that its id is valid once read.
            self.states.append(live)
            known = self.ids[live] = len(self.states) - 1
        return known

    def remember(self, state: int, character: str, found: frozenset[int]) -> int:
        """Record that *character* before *state* gives *found*; return its id."""
        following = self.moves[state, character] = self.state_id(found)
        return following


def _epsilon_targets(node: Node) -> tuple[int, ...]:
    kind = node[0]
    if kind == _SPLIT:
        return tuple(node[1])
    if kind in (_SAVE, _ASSERT):
        return (node[2],)
    return ()
