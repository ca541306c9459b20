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

A counted repeat of one character class (``[^/]{1,2000}``, the regex of a
``string`` converter with bounds) is one *counter* node, not ``n`` copies: it
is live at a position when the run of characters of its class that starts
there reaches, within its bounds, a position where what follows it is live.
The backward pass keeps, for each counter, the length of that run and the
next position where its follower is live, so deciding costs O(1) whatever
the bounds; the walk reads the end it takes from the same arrays.

A part made only of literals, repeats of one character class and choices of
them (every built-in converter's but ``path``) is not run through these passes
character by character: :mod:`safename.routing._runs` finds the same captures
from intervals of live positions, with ``re`` scanning the runs in C.

The cost is O(len(text) * nodes) in the worst case, nodes being the size of
the part's NFA, which does not grow with a counted repeat of one character
(any other counted repeat is written out, up to :data:`NODE_LIMIT` nodes).
The DFA a part shares between matches is dropped and begun again once it
holds :data:`CACHE_LIMIT` moves, so no text sent before makes a later match
slower than a first one. Regexes outside the regular subset this module reads
(back-references, look-behind, conditionals, anchors, atomic groups, a loop
whose body can match nothing) raise :class:`Unsupported` with the construct.
The inline flags ``i``, ``a``, ``s``, ``m``, ``x`` and ``u`` are read: a
character is then tested by ``re`` itself, compiled for that one item.
"""

from __future__ import annotations

import importlib
import re
import sys
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from safename.routing._runs import Sequence as RunSequence
from safename.routing._runs import read_sequence

# The parser of Python's own re: the NFA reads regexes exactly as re does.
# Private, hence no stubs; it has been stable since Python 3.11.
sre: Any = importlib.import_module("re._constants")
sre_parse: Any = importlib.import_module("re._parser")
sre_compile: Any = importlib.import_module("re._compiler")

__all__ = ["CACHE_LIMIT", "NODE_LIMIT", "PartNFA", "Piece", "Unsupported"]

# Node kinds.
_CONSUME: Final = 0  # (kind, test, next): one character that passes test
_SPLIT: Final = 1  # (kind, targets): epsilon moves, in priority order
_SAVE: Final = 2  # (kind, slot, next): the position, as a capture boundary
_ASSERT: Final = 3  # (kind, (text, wanted), next): text starts here, or not
_MATCH: Final = 4  # (kind,): the end of the pattern
_COUNT: Final = 5  # (kind, test, low, high, next, greedy): low..high characters that pass test

#: Moves a part's shared DFA keeps; beyond, it is begun again, so that texts
#: of many distinct characters cannot make it grow without bound.
CACHE_LIMIT: Final = 4096
#: The NFA nodes a part may have (a counted repeat of more than one character is written out).
NODE_LIMIT: Final = 200_000
#: A counted repeat of one character whose count is above this is one counter node.
_COUNTED: Final = 4
#: The flags whose meaning for one character ``re`` itself decides.
_CHARACTER_FLAGS: Final = sre.SRE_FLAG_IGNORECASE | sre.SRE_FLAG_ASCII | sre.SRE_FLAG_DOTALL
#: The flags read: those, and the ones that change nothing this module reads.
_READ_FLAGS: Final = (
    _CHARACTER_FLAGS | sre.SRE_FLAG_MULTILINE | sre.SRE_FLAG_VERBOSE | sre.SRE_FLAG_UNICODE
)
_NO_END: Final = sys.maxsize

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


def _char_test(op: Any, argument: Any, flags: int = 0) -> Test:
    """The test of one character for a LITERAL, NOT_LITERAL, ANY or IN item under *flags*."""
    if flags & _CHARACTER_FLAGS:
        # Case folding and ASCII classes as re decides them: re tests the character.
        state = sre_parse.State()
        state.flags = flags
        compiled = sre_compile.compile(sre_parse.SubPattern(state, [(op, argument)]), flags)
        fullmatch = compiled.fullmatch
        return lambda character: fullmatch(character) is not None
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
    raise Unsupported(_construct(op))


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
            raise Unsupported(f"{_construct(op)} in a character set")

    def test(character: str) -> bool:
        code = ord(character)
        found = (
            character in literals
            or any(low <= code <= high for low, high in ranges)
            or any(category(character) is not None for category in categories)
        )
        return found != negate

    return test


_NAMES: Final = {
    "GROUPREF": "a back-reference",
    "GROUPREF_EXISTS": "a conditional group",
    "AT": "an anchor",
    "ATOMIC_GROUP": "an atomic group",
    "POSSESSIVE_REPEAT": "a possessive repeat",
    "GROUPREF_IGNORE": "a back-reference",
}


def _construct(op: Any) -> str:
    """The name of a regex construct, for a message."""
    return _NAMES.get(str(op), str(op).lower().replace("_", " "))


class _Builder:
    """Writes parsed regexes into a list of nodes, from the end backwards.

    Each ``add_*`` method takes the node that follows and returns the node
    that starts what it added: building backwards needs no patching of
    forward references.
    """

    def __init__(self) -> None:
        self.nodes: list[Node] = []
        # A part often repeats a converter: its regex is read once.
        self._parsed: dict[str, tuple[Any, int]] = {}
        #: The shortest and longest texts of what was added (``_NO_END``: no longest).
        self.shortest = 0
        self.longest = 0

    def node(self, *node: Any) -> int:
        if len(self.nodes) >= NODE_LIMIT:
            raise Unsupported(f"the part needs more than {NODE_LIMIT} NFA nodes")
        self.nodes.append(node)
        return len(self.nodes) - 1

    def literal(self, text: str, following: int) -> int:
        self.shortest += len(text)
        self.longest = min(_NO_END, self.longest + len(text))
        for character in reversed(text):
            following = self.node(_CONSUME, character.__eq__, following)
        return following

    def regex(self, regex: str, following: int) -> int:
        try:
            known = self._parsed.get(regex)
            if known is None:
                tree = sre_parse.parse(regex)
                flags = tree.state.flags
                if flags & ~_READ_FLAGS:
                    raise Unsupported(f"the flags {re.RegexFlag(flags & ~_READ_FLAGS)!r}")
                known = self._parsed[regex] = (tree, flags)
            tree, flags = known
            start = self.sequence(list(tree), following, flags)
            low, high = tree.getwidth()  # once read: no back-reference
            self.shortest += low
            self.longest = _NO_END if high >= sre.MAXREPEAT else self.longest + high
            return start
        except (re.error, RecursionError, OverflowError) as error:
            # A custom regex nested too deep for this reader stays with re.
            raise Unsupported(f"cannot read {regex!r}: {error}") from error

    def parsed_items(self, regex: str) -> tuple[list[tuple[Any, Any]], int]:
        """The items and flags of a regex :meth:`regex` has read."""
        tree, flags = self._parsed[regex]
        return list(tree), flags

    def sequence(self, items: Sequence[tuple[Any, Any]], following: int, flags: int) -> int:
        for op, argument in reversed(items):
            following = self.item(op, argument, following, flags)
        return following

    def item(self, op: Any, argument: Any, following: int, flags: int) -> int:
        if op in _CHARACTER_OPS:
            return self.node(_CONSUME, _char_test(op, argument, flags), following)
        if op is sre.SUBPATTERN:
            _group, add_flags, del_flags, items = argument
            if (add_flags | del_flags) & ~_READ_FLAGS:
                raise Unsupported(
                    f"the flags {re.RegexFlag((add_flags | del_flags) & ~_READ_FLAGS)!r}"
                )
            return self.sequence(items, following, (flags | add_flags) & ~del_flags)
        if op is sre.BRANCH:
            starts = [self.sequence(branch, following, flags) for branch in argument[1]]
            return self.node(_SPLIT, tuple(starts))
        if op in (sre.MAX_REPEAT, sre.MIN_REPEAT):
            greedy = op is sre.MAX_REPEAT
            return self.repeat(argument, greedy=greedy, following=following, flags=flags)
        if op is sre.ASSERT_NOT or op is sre.ASSERT:
            direction, items = argument
            text = _plain_text(items)
            if direction != 1:
                raise Unsupported("a look-behind")
            if text is None or flags & sre.SRE_FLAG_IGNORECASE:
                raise Unsupported("a look-ahead other than of plain text")
            return self.node(_ASSERT, (text, op is sre.ASSERT), following)
        raise Unsupported(_construct(op))

    def repeat(
        self,
        repeat: tuple[int, int, Sequence[tuple[Any, Any]]],
        *,
        greedy: bool,
        following: int,
        flags: int,
    ) -> int:
        low, high, items = repeat
        if _nullable(items):
            # Python's re stops a loop at an empty iteration in its own way.
            raise Unsupported("a repeat whose body can match nothing")
        test = _single_test(items, flags)
        unbounded = high == sre.MAXREPEAT
        if test is not None and max(low, 0 if unbounded else high) > _COUNTED:
            # One node, whatever the count: see the module's docstring.
            counter = self.node(
                _COUNT, test, max(low, 1), _NO_END if unbounded else high, following, greedy
            )
            if low > 0:
                return counter
            return self.node(_SPLIT, (counter, following) if greedy else (following, counter))
        if unbounded:
            loop = self.node(_SPLIT, ())  # its targets are set once the body exists
            body = self.sequence(items, loop, flags)
            self.nodes[loop] = (_SPLIT, (body, following) if greedy else (following, body))
            start = loop
        else:
            start = following
            for _ in range(high - low):
                body = self.sequence(items, start, flags)
                start = self.node(_SPLIT, (body, following) if greedy else (following, body))
                following = start
        for _ in range(low):
            start = self.sequence(items, start, flags)
        return start


_CHARACTER_OPS: Final = (sre.LITERAL, sre.NOT_LITERAL, sre.ANY, sre.IN)


def _single_test(items: Sequence[tuple[Any, Any]], flags: int) -> Test | None:
    """The test of the one character *items* match, if they match exactly one."""
    while len(items) == 1 and items[0][0] is sre.SUBPATTERN:
        _group, add_flags, del_flags, inner = items[0][1]
        if (add_flags | del_flags) & ~_READ_FLAGS:
            return None
        flags = (flags | add_flags) & ~del_flags
        items = inner
    if len(items) == 1 and items[0][0] in _CHARACTER_OPS:
        return _char_test(items[0][0], items[0][1], flags)
    return None


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
        # A part of literals and repeats of one class (every built-in converter's)
        # is matched from intervals, without a Python loop over its characters.
        self._sequence: RunSequence | None = read_sequence(
            [
                (piece.text, None)
                if piece.text is not None
                else (None, builder.parsed_items(piece.regex))
                for piece in pieces
            ]
        )
        # Texts a match must contain, tested first at the speed of str.find:
        # most texts that cannot match are refused without running the NFA.
        texts = [piece.text or "" for piece in pieces] or [""]
        self._prefix, self._suffix = texts[0], texts[-1]
        # A text too short or too long is refused before any pass.
        self._shortest, self._longest = builder.shortest, builder.longest
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
        #: The counter nodes, in order: (node, test, low, high, follower).
        self._counters = [
            (index, node[1], node[2], node[3], node[4])
            for index, node in enumerate(self._nodes)
            if node[0] == _COUNT
        ]
        self._counter_number = {counter[0]: number for number, counter in enumerate(self._counters)}
        self._matching = {index for index, node in enumerate(self._nodes) if node[0] == _MATCH}
        self.steps = 0
        # The DFA shared by every match of this part, with the id of its end
        # state, in one attribute: a thread reads both at once. Only ever added
        # to, under the lock, so that a thread reading it meanwhile sees every
        # state id it was given; once full, replaced by a new one.
        self._lock = threading.Lock()
        self._shared = self._new_shared()

    def _new_shared(self) -> tuple[_DFA, int]:
        dfa = _DFA()
        return dfa, dfa.state_id(self._closure(self._matching, "", 0))

    def fullmatch(self, text: str) -> tuple[str, ...] | None:
        """The texts of the variables, as ``re.fullmatch`` of the part would capture them."""
        if (
            not (text.startswith(self._prefix) and text.endswith(self._suffix))
            or not self._shortest <= len(text) <= self._longest
            or any(literal not in text for literal in self._literals)
        ):
            return None
        if self._sequence is not None:
            captured, steps = self._sequence.fullmatch(text)
            self.steps += steps
            return captured
        lock: threading.Lock | None = None
        if self._asserts:
            # A look-ahead makes a move depend on the text that follows: this
            # match builds its own DFA.
            dfa = _DFA()
            end = dfa.state_id(self._closure(self._matching, text, len(text)))
        else:
            dfa, end = shared = self._shared
            lock = self._lock
            if len(dfa.moves) >= CACHE_LIMIT:
                with lock:
                    if self._shared is shared:  # no other thread has begun it again
                        self._shared = self._new_shared()
                    dfa, end = self._shared
        if self._counters:
            return self._match_counted(text, dfa, lock, end)
        ids = self._live_states(text, dfa, lock, end)
        return None if ids is None else self._walk(text, dfa.states, ids, ([], []))

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
                following = self._step(dfa, lock, (state, character), text, position)
            if not following:
                # Nothing matches from here on, so nothing from any earlier position.
                self.steps += length - position
                return None
            ids[position] = state = following
        self.steps += length + 1
        return ids if self._start in dfa.states[state] else None

    def _match_counted(
        self, text: str, dfa: _DFA, lock: threading.Lock | None, end: int
    ) -> tuple[str, ...] | None:
        """:meth:`fullmatch` of a part with counters: the backward pass keeps their runs."""
        length = len(text)
        counters = self._counters
        # Per counter: where the run of its class that holds each position
        # ends, and the next position (or _NO_END) where its follower is live.
        ends = [self._run_ends(text, test) for _index, test, _low, _high, _follower in counters]
        nexts = [[_NO_END] * (length + 2) for _ in counters]
        each = [
            (ends[number], nexts[number], counter[2], counter[3], 1 << number)
            for number, counter in enumerate(counters)
        ]
        ids = [0] * (length + 1)
        ids[length] = state = end
        states, moves = dfa.states, dfa.moves
        followers = dfa.followers(counters)
        follower_bits = dfa.follower_bits
        live_followers = followers(state)
        for _run_ends, following_at, _low, _high, bit in each:
            if live_followers & bit:
                following_at[length] = length
        for position in range(length - 1, -1, -1):
            live_counters = 0
            for run_ends, following_at, low, high, bit in each:
                run_end = run_ends[position]
                first = position + low
                if first <= run_end:
                    last = position + high
                    if following_at[first] <= (run_end if run_end < last else last):
                        live_counters |= bit
            key = (state, text[position], live_counters)
            following = moves.get(key)
            if following is None:
                following = self._step(dfa, lock, key, text, position)
            ids[position] = state = following
            known = follower_bits.get(state)
            live_followers = followers(state) if known is None else known
            for _run_ends, following_at, _low, _high, bit in each:
                following_at[position] = (
                    position if live_followers & bit else following_at[position + 1]
                )
            if not following and not any(
                run_ends[position] > position and following_at[position + 1] != _NO_END
                for run_ends, following_at, _low, _high, _bit in each
            ):
                # Nothing matches from here on, nor does a run of a counter cross here.
                self.steps += (length - position) * (1 + len(counters))
                return None
        self.steps += (length + 1) * (1 + len(counters))
        if self._start not in states[state]:
            return None
        return self._walk(text, states, ids, (ends, nexts))

    @staticmethod
    def _run_ends(text: str, test: Test) -> list[int]:
        """Where the run of characters passing *test* from each position ends (itself: none)."""
        ends = list(range(len(text) + 2))
        position = len(text) - 1
        run_end = len(text)
        while position >= 0:
            if test(text[position]):
                ends[position] = run_end
            else:
                run_end = position
            position -= 1
        return ends

    def _step(
        self, dfa: _DFA, lock: threading.Lock | None, key: tuple[Any, ...], text: str, position: int
    ) -> int:
        """The live state before ``text[position]``, given the state after it; remembered.

        *key* is that state, the character, and for a part with counters the
        bits of the counters live at *position*.
        """
        live = dfa.states[key[0]]
        character = text[position]
        nodes = self._nodes
        good = {
            index
            for index in self._consumers
            if nodes[index][2] in live and nodes[index][1](character)
        }
        if len(key) > 2:
            good.update(
                counter[0] for number, counter in enumerate(self._counters) if key[2] >> number & 1
            )
        self.steps += len(self._consumers) + len(self._counters)
        found = self._closure(good, text, position)
        if lock is None:
            return dfa.remember(key, found)
        with lock:
            return dfa.remember(key, found)

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

    def _walk(  # noqa: PLR0912 - one loop over the node kinds
        self,
        text: str,
        states: list[frozenset[int]],
        ids: list[int],
        counted: tuple[list[list[int]], list[list[int]]],
    ) -> tuple[str, ...]:
        """Follow the first live branch at every choice: the backtracking engine's captures."""
        nodes = self._nodes
        runs = self._runs
        bounds = [0] * (2 * self.slots)
        position = 0
        index = self._start
        steps = 0
        previous: dict[int, list[int]] = {}
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
            elif kind == _COUNT:
                number = self._counter_number[index]
                _kind, _test, low, high, index, greedy = node
                furthest = min(counted[0][number][position], position + high)
                if greedy:
                    before = previous.get(number)
                    if before is None:
                        before = previous[number] = self._previous_live(states, ids, index)
                        steps += len(ids)
                    position = before[furthest]
                else:
                    position = counted[1][number][position + low]
            else:  # a save, or an assertion that held (the node is live)
                if kind == _SAVE:
                    bounds[node[1]] = position
                index = node[2]
        self.steps += steps
        return tuple(text[bounds[slot] : bounds[slot + 1]] for slot in range(0, len(bounds), 2))

    @staticmethod
    def _previous_live(states: list[frozenset[int]], ids: list[int], follower: int) -> list[int]:
        """The last position up to each position where *follower* is live (-1: none)."""
        before = [-1] * len(ids)
        last = -1
        for position, state in enumerate(ids):
            if follower in states[state]:
                last = position
            before[position] = last
        return before


class _DFA:
    """Sets of live NFA nodes (state 0: none), and the moves found between them."""

    def __init__(self) -> None:
        self.states: list[frozenset[int]] = [frozenset()]
        self.ids: dict[frozenset[int], int] = {frozenset(): 0}
        self.moves: dict[tuple[Any, ...], int] = {}
        self.follower_bits: dict[int, int] = {}

    def followers(self, counters: Sequence[tuple[Any, ...]]) -> Callable[[int], int]:
        """The bits of the counters whose follower a state holds, by state id (kept)."""
        bits = self.follower_bits

        def read(state: int) -> int:
            known = bits.get(state)
            if known is None:
                live = self.states[state]
                known = bits[state] = sum(
                    1 << number for number, counter in enumerate(counters) if counter[4] in live
                )
            return known

        return read

    def state_id(self, live: frozenset[int]) -> int:
        """The id of the state *live*, made if new."""
        known = self.ids.get(live)
        if known is None:
            # Appended before it is named, so that its id is valid once read.
            self.states.append(live)
            known = self.ids[live] = len(self.states) - 1
        return known

    def remember(self, key: tuple[Any, ...], found: frozenset[int]) -> int:
        """Record that the move *key* (a state, a character, ...) gives *found*; return its id."""
        following = self.moves[key] = self.state_id(found)
        return following


def _epsilon_targets(node: Node) -> tuple[int, ...]:
    kind = node[0]
    if kind == _SPLIT:
        return tuple(node[1])
    if kind in (_SAVE, _ASSERT):
        return (node[2],)
    return ()
