"""Count the work of a backtracking regex engine: the audit's measure, the same on every run.

Python's ``re`` cannot report how many steps a match took, and a clock's answer changes
from one run to the next. So the audit runs the framework's own regex, parsed by ``re``'s
own parser, in a small backtracking engine that explores alternatives in ``re``'s order and
counts each step. A witness that fails at the very end makes every backtracking engine
explore every way of splitting the text, so the count's growth is the real engine's growth.

Only what the engine models is run: literals, classes, groups, alternation, repeats
(greedy and lazy), ``^ $ \\A \\Z`` and a one-character look-behind (Werkzeug's own
trailing-slash test). Anything else raises :class:`Unsupported`, and the route is
reported ``unchecked``, never ``ok``.
"""

from __future__ import annotations

import functools
import importlib
import re
from collections.abc import Callable, Sequence
from typing import Any, Final

_parser: Any = importlib.import_module("re._parser")
_c: Any = importlib.import_module("re._constants")

#: The most steps counted for one match; beyond it the match is taken for superlinear.
STEP_BUDGET: Final = 400_000
#: Bounded repeats of a multi-character body are unrolled up to this many times.
_UNROLL: Final = 16
_CATEGORIES: Final = {
    _c.CATEGORY_DIGIT: re.compile(r"\d"),
    _c.CATEGORY_NOT_DIGIT: re.compile(r"\D"),
    _c.CATEGORY_WORD: re.compile(r"\w"),
    _c.CATEGORY_NOT_WORD: re.compile(r"\W"),
    _c.CATEGORY_SPACE: re.compile(r"\s"),
    _c.CATEGORY_NOT_SPACE: re.compile(r"\S"),
}
_SINGLE: Final = (_c.LITERAL, _c.NOT_LITERAL, _c.ANY, _c.IN)

Predicate = Callable[[str], bool]
Program = tuple[tuple[Any, ...], ...]


class Unsupported(ValueError):
    """A regex, or a part of one, that the counting engine does not model."""


@functools.lru_cache(maxsize=1024)
def compile_program(pattern: str) -> Program:
    """The instructions of *pattern* for :func:`count`.

    :raises Unsupported: for a construct outside what the engine models.
    """
    try:
        parsed = _parser.parse(pattern)
    except re.error as error:
        raise Unsupported(f"not a regex: {error}") from None
    flags = parsed.state.flags
    if flags & (re.IGNORECASE | re.MULTILINE):
        raise Unsupported("flags (?i) or (?m)")
    program: list[Any] = []
    _emit(list(parsed), program, dotall=bool(flags & re.DOTALL))
    program.append(("m",))
    return tuple(program)


def count(pattern: str, text: str, *, full: bool = False) -> tuple[bool | None, int, int]:
    """Match *pattern* at the start of *text* as ``re.match`` (``re.fullmatch`` if *full*).

    :returns: whether it matched (``None``: :data:`STEP_BUDGET` ran out), the steps, and
        where the match ended (-1 without one).
    :raises Unsupported: for a construct outside what the engine models.

    >>> count(r"[^/]+-[^/]+\\Z", "a-a-a/")[:2]
    (False, 27)
    """
    program = compile_program(pattern)
    return _run(program, text, full)


def _run(program: Program, text: str, full: bool) -> tuple[bool | None, int, int]:  # noqa: PLR0912
    size = len(text)
    stack: list[tuple[int, int, int]] = [(0, 0, -1)]
    steps = 0
    while stack:
        pc, pos, taken = stack.pop()
        while True:
            steps += 1
            if steps > STEP_BUDGET:
                return None, steps, -1
            instruction = program[pc]
            op = instruction[0]
            if op == "c":
                if pos < size and instruction[1](text[pos]):
                    pos, pc = pos + 1, pc + 1
                    continue
                break
            if op == "r":
                fresh = taken < 0
                taken = _repeat_one(instruction, text, (pc, pos, taken), stack)
                if taken < 0:
                    break
                # The first try reads every character it takes; a retry reads at most one.
                steps += taken if fresh else 0
                pos, pc, taken = pos + taken, pc + 1, -1
                continue
            if op == "s":
                stack.append((instruction[2], pos, -1))
                pc = instruction[1]
                continue
            if op == "j":
                pc = instruction[1]
                continue
            if op == "at":
                if _at(instruction[1], text, pos):
                    pc += 1
                    continue
                break
            if op == "lb":
                if (pos > 0 and instruction[1](text[pos - 1])) != instruction[2]:
                    pc += 1
                    continue
                break
            # "m": the end of the pattern.
            if full and pos != size:
                break
            return True, steps, pos
    return False, steps, -1


def _repeat_one(
    instruction: tuple[Any, ...],
    text: str,
    frame: tuple[int, int, int],
    stack: list[tuple[int, int, int]],
) -> int:
    """How many characters a one-character repeat takes this time (-1: none left to try).

    It pushes the next try, as ``re`` does: one fewer when greedy, one more when lazy.
    """
    _, test, low, high, greedy = instruction
    pc, pos, taken = frame
    if greedy:
        if taken < 0:
            taken, limit = 0, min(high, len(text) - pos)
            while taken < limit and test(text[pos + taken]):
                taken += 1
            if taken < low:
                return -1
        if taken > low:
            stack.append((pc, pos, taken - 1))
        return taken
    if taken < 0:
        taken = low
        if pos + low > len(text) or not all(map(test, text[pos : pos + low])):
            return -1
    elif pos + taken > len(text) or not test(text[pos + taken - 1]):
        return -1
    if taken < high:
        stack.append((pc, pos, taken + 1))
    return taken


def _at(kind: Any, text: str, pos: int) -> bool:
    if kind in (_c.AT_BEGINNING, _c.AT_BEGINNING_STRING):
        return pos == 0
    if kind == _c.AT_END_STRING:
        return pos == len(text)
    return pos == len(text) or (pos == len(text) - 1 and text[pos] == "\n")


def _emit(items: Sequence[Any], program: list[Any], *, dotall: bool) -> None:
    for op, argument in items:
        if op in _SINGLE:
            program.append(("c", _predicate(op, argument, dotall)))
        elif op == _c.SUBPATTERN:
            _group, add_flags, _del_flags, body = argument
            if add_flags & (re.IGNORECASE | re.MULTILINE):
                raise Unsupported("flags (?i) or (?m)")
            _emit(list(body), program, dotall=dotall or bool(add_flags & re.DOTALL))
        elif op == _c.BRANCH:
            _emit_branch(argument[1], program, dotall=dotall)
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            _emit_repeat(argument, op == _c.MAX_REPEAT, program, dotall=dotall)
        elif op == _c.AT and argument in (
            _c.AT_BEGINNING,
            _c.AT_BEGINNING_STRING,
            _c.AT_END,
            _c.AT_END_STRING,
        ):
            program.append(("at", argument))
        elif op in (_c.ASSERT, _c.ASSERT_NOT) and _one_character_behind(argument):
            [(inner_op, inner_argument)] = list(argument[1])
            test = _predicate(inner_op, inner_argument, dotall)
            program.append(("lb", test, op == _c.ASSERT_NOT))
        else:
            raise Unsupported(f"{str(op).lower()} is not modelled")


def _one_character_behind(argument: Any) -> bool:
    direction, body = argument
    body = list(body)
    return bool(direction == -1 and len(body) == 1 and body[0][0] in _SINGLE)


def _emit_branch(alternatives: Sequence[Any], program: list[Any], *, dotall: bool) -> None:
    jumps = []
    for alternative in alternatives[:-1]:
        split = len(program)
        program.append(None)
        _emit(list(alternative), program, dotall=dotall)
        jumps.append(len(program))
        program.append(None)
        program[split] = ("s", split + 1, len(program))
    _emit(list(alternatives[-1]), program, dotall=dotall)
    for jump in jumps:
        program[jump] = ("j", len(program))


def _emit_repeat(argument: Any, greedy: bool, program: list[Any], *, dotall: bool) -> None:
    low, high, body = argument
    body = list(body)
    unbounded = high == _c.MAXREPEAT
    if len(body) == 1 and body[0][0] in _SINGLE:
        test = _predicate(body[0][0], body[0][1], dotall)
        program.append(("r", test, low, float("inf") if unbounded else high, greedy))
        return
    if low > _UNROLL or (not unbounded and high - low > _UNROLL):
        raise Unsupported(f"a repeat {{{low},{high}}} of a group is not modelled")
    for _ in range(low):
        _emit(body, program, dotall=dotall)
    if unbounded:
        if _nullable(body):
            raise Unsupported("a repeat of what can match nothing is not modelled")
        loop = len(program)
        program.append(None)
        _emit(body, program, dotall=dotall)
        program.append(("j", loop))
        out = len(program)
        program[loop] = ("s", loop + 1, out) if greedy else ("s", out, loop + 1)
        return
    splits = []
    for _ in range(high - low):
        splits.append(len(program))
        program.append(None)
        _emit(body, program, dotall=dotall)
    out = len(program)
    for split in splits:
        program[split] = ("s", split + 1, out) if greedy else ("s", out, split + 1)


def _nullable(items: Sequence[Any]) -> bool:
    for op, argument in items:
        if op in _SINGLE:
            return False
        if op == _c.SUBPATTERN and not _nullable(list(argument[3])):
            return False
        if op == _c.BRANCH and not any(_nullable(list(alt)) for alt in argument[1]):
            return False
        repeat = op in (_c.MAX_REPEAT, _c.MIN_REPEAT)
        if repeat and argument[0] > 0 and not _nullable(list(argument[2])):
            return False
    return True


def _predicate(op: Any, argument: Any, dotall: bool) -> Predicate:
    """One character's test, memoised: a witness repeats few distinct characters."""
    if op == _c.LITERAL:
        return functools.partial(str.__eq__, chr(argument))
    if op == _c.NOT_LITERAL:
        return functools.partial(str.__ne__, chr(argument))
    if op == _c.ANY:
        return (lambda character: True) if dotall else functools.partial(str.__ne__, "\n")
    negate = False
    tests: list[Predicate] = []
    for item_op, item in argument:
        if item_op == _c.NEGATE:
            negate = True
        elif item_op == _c.LITERAL:
            tests.append(functools.partial(str.__eq__, chr(item)))
        elif item_op == _c.RANGE:
            tests.append(functools.partial(_in_range, item[0], item[1]))
        elif item_op == _c.CATEGORY and item in _CATEGORIES:
            tests.append(functools.partial(_in_category, _CATEGORIES[item]))
        else:
            raise Unsupported(f"class item {str(item_op).lower()} is not modelled")

    @functools.lru_cache(maxsize=256)
    def test(character: str) -> bool:
        return any(check(character) for check in tests) != negate

    return test


def _in_range(low: int, high: int, character: str) -> bool:
    return low <= ord(character) <= high


def _in_category(regex: re.Pattern[str], character: str) -> bool:
    return regex.match(character) is not None


def vet_converter(regex: str) -> str:
    """Why a converter's regex is outside what the audit can decide, or ``""`` when it is not.

    The audit's witnesses repeat a short text; a regex that is slow only on a text it
    would have to construct (look-around, back-references, a repeat of a repeat that
    nothing delimits) is reported ``unchecked`` rather than ``ok``.

    >>> vet_converter("[^/]+(?:/[^/]+)*?")
    ''
    >>> vet_converter("(?:[a-z0-9]+-?)+(?<=[a-z0-9])")
    'a repeat of a repeat that no literal separates'
    """
    try:
        parsed = list(_parser.parse(regex))
        compile_program(regex)
    except Unsupported as error:
        return str(error)
    return _ambiguous(parsed)


def _ambiguous(items: Sequence[Any]) -> str:
    for op, argument in items:
        if op == _c.SUBPATTERN:
            found = _ambiguous(list(argument[3]))
        elif op == _c.BRANCH:
            found = next(filter(None, (_ambiguous(list(alt)) for alt in argument[1])), "")
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            found = _ambiguous_repeat(argument)
        elif op in (_c.ASSERT, _c.ASSERT_NOT):
            found = "look-around is not modelled in a converter"
        else:
            found = ""
        if found:
            return found
    return ""


def _ambiguous_repeat(argument: Any) -> str:
    _low, high, body = argument
    body = list(body)
    if len(body) == 1 and body[0][0] in _SINGLE:
        return ""
    inner = _ambiguous(body)
    if inner or high != _c.MAXREPEAT:
        return inner
    # Each turn of the outer repeat must begin with a literal no inner repeat can take:
    # then the turns cannot be split two ways.
    first_op, first = body[0]
    repeats = list(_inner_repeats(body))
    if first_op != _c.LITERAL or any(test(chr(first)) for test in repeats):
        return "a repeat of a repeat that no literal separates"
    return ""


def _inner_repeats(items: Sequence[Any]) -> Any:
    for op, argument in items:
        if op == _c.SUBPATTERN:
            yield from _inner_repeats(list(argument[3]))
        elif op == _c.BRANCH:
            for alternative in argument[1]:
                yield from _inner_repeats(list(alternative))
        elif op in (_c.MAX_REPEAT, _c.MIN_REPEAT):
            body = list(argument[2])
            if len(body) == 1 and body[0][0] in _SINGLE:
                yield _predicate(body[0][0], body[0][1], dotall=True)
            else:
                yield from _inner_repeats(body)
