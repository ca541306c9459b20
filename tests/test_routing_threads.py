"""A router shared by threads: an add while others match or build shows them no half-made table.

Each match or build answers with the rules before an add or after it: never
an exception, never ``None`` for a path that matched before and still does.
The threads test runs many interleavings; the tests after it build the
interleavings that broke, in one thread, at the exact moment, and check that
what a match had been reading is never changed by an add.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterator
from types import FrameType
from typing import Any

import pytest

import safename
from safename.routing import Router, matcher

Answer = tuple[str, dict[str, Any]] | None

#: Rules added while the threads match: each changes the answer of one path.
ADDS = 120
#: Passes over the paths a reader makes at most, should the adder never finish.
MOST_PASSES = 100_000


def _first_rules() -> list[tuple[str, str]]:
    """The rules of the router before any thread starts."""
    rules = [("/user/<int(max=9):n>", "small"), ("/user/<name>", "name")]
    rules += [("/f/<a>-<b>.<ext>", "file"), ("/g/<int:n>", "grow")]  # an NFA part
    for number in range(10):
        rules += [(f"/s{number}/x", f"static{number}"), (f"/d{number}/<int:n>", f"dyn{number}")]
    rules += [(f"/p{number}/<name>", f"pname{number}") for number in range(ADDS)]
    return rules


def _added_rules() -> list[tuple[str, str]]:
    """The rules one thread adds while the others match: each its own path's new answer."""
    rules = []
    for number in range(ADDS):
        rules.append((f"/p{number}/<int:n>", f"pint{number}"))  # outranks /p{number}/<name>
        rules.append((f"/n{number}/<a>/<int:b>", f"new{number}"))  # matched nothing before
        if number == ADDS // 2:
            rules.append(("/g2/<name>", "grow"))  # a second rule of an endpoint that builds
    return rules


def _router(rules: list[tuple[str, str]], *, walk: bool | None = None) -> Router:
    router = Router()
    router._matcher = matcher.Matcher(walk=walk)
    for rule, endpoint in rules:
        router.add(rule, endpoint)
    return router


def _steady_paths() -> list[str]:
    """Paths whose answer no added rule changes: a static rule, a refusal, the NFA."""
    paths = ["/user/7", "/user/70", "/user/ann"]  # "70": the bound refuses, the next rule reads it
    paths += [f"/f/a{number}b-c.{number}d.txt" for number in range(8)]
    paths += [f"/s{number}/x" for number in range(10)] + [f"/d{number}/5" for number in range(10)]
    return paths


def _changing_paths() -> list[str]:
    paths = [f"/p{number}/5" for number in range(ADDS)]
    return paths + [f"/n{number}/x/5" for number in range(ADDS)]


def _build_grow(router: Router) -> str:
    """``build("grow", name="x")``: no rule takes ``name`` before ``/g2/<name>``, then its path."""
    try:
        return router.build("grow", name="x")
    except TypeError:
        return "TypeError"


@pytest.fixture
def switch_often() -> Iterator[None]:
    """Switch threads every few microseconds (not every 5 ms): many more interleavings."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(interval)


@pytest.mark.usefixtures("switch_often")
@pytest.mark.parametrize("walk", [False, True], ids=["regexes", "walk"])
def test_threads_that_match_while_one_adds_see_each_rule_before_or_after(walk: bool) -> None:
    router = _router(_first_rules(), walk=walk)
    after = _router(_first_rules() + _added_rules(), walk=walk)
    steady, changing = _steady_paths(), _changing_paths()
    before_answers = {path: router.match(path) for path in steady + changing}
    after_answers = {path: after.match(path) for path in steady + changing}
    # Else the test would prove nothing: each path's answer is known, and the
    # changing ones change (from None, or from another rule).
    assert all(before_answers[path] is not None for path in steady)
    assert all(before_answers[path] == after_answers[path] for path in steady)
    assert all(before_answers[path] != after_answers[path] for path in changing)
    build_before, build_after = _build_grow(router), _build_grow(after)
    assert (build_before, build_after) == ("TypeError", "/g2/x")

    start = threading.Barrier(5)
    added = threading.Event()
    problems: list[str] = []

    def read() -> None:
        seen_after: set[str] = set()
        start.wait()
        for _ in range(MOST_PASSES):
            last = added.is_set()  # read before the pass: a pass that starts after sees all
            for path in steady + changing:
                try:
                    found: Answer | str = router.match(path)
                except Exception as error:  # every exception is the bug
                    found = f"raised {error!r}"
                if found == after_answers[path]:
                    seen_after.add(path)
                elif found != before_answers[path] or path in seen_after or last:
                    problems.append(f"{path}: {found!r}")
            try:
                built = _build_grow(router)
            except Exception as error:  # a ConversionError was the bug
                built = f"raised {error!r}"
            if built not in (build_before, build_after) or (last and built != build_after):
                problems.append(f"build: {built}")
            if last:
                return
        problems.append("the adder did not finish")

    def add() -> None:
        start.wait()
        try:
            for rule, endpoint in _added_rules():
                router.add(rule, endpoint)
        finally:
            added.set()

    threads = [threading.Thread(target=read) for _ in range(4)] + [threading.Thread(target=add)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert problems == []
    assert {path: router.match(path) for path in after_answers} == after_answers


def _profiled(hook: Callable[[FrameType], bool], run: Callable[[], object]) -> tuple[object, bool]:
    """What *run* returns, calling *hook* at each Python call inside it until the hook says done.

    A call of Python code is where the interpreter may switch threads: the
    hook stands for the thread that would run there, at that exact moment.
    """
    done = False

    def profile(frame: FrameType, event: str, _: object) -> None:
        nonlocal done
        if event == "call" and not done:
            done = hook(frame)

    sys.setprofile(profile)
    try:
        found = run()
    finally:
        sys.setprofile(None)
    return found, done


@pytest.mark.parametrize("walk", [False, True], ids=["regexes", "walk"])
def test_a_rule_added_while_a_match_compiles_the_index_is_not_lost(walk: bool) -> None:
    # Once, the add changed the tree the compile was reading (a RuntimeError),
    # and the compile's "not stale" at its end overwrote the flag the add had
    # set: the rule would never have matched.
    router = _router(_first_rules(), walk=walk)
    router.add("/s0/y", "y")  # the next match compiles the index again
    # Python code the compile calls: re.compile for the regexes, a
    # converter's reader (converters are Python in both builds) for the walk.
    target = "_matched_reader" if walk else "compile"
    inner: list[Answer] = []

    def add_once(frame: FrameType) -> bool:
        if frame.f_code.co_name != target:
            return False
        router.add("/late/<int:n>", "late")
        inner.append(router.match("/late/5"))
        return True

    found, added = _profiled(add_once, lambda: router.match("/user/70"))
    assert added  # the add ran inside the compile
    assert found == ("name", {"name": "70"})
    assert inner == [("late", {"n": 5})]
    assert router.match("/late/5") == ("late", {"n": 5})
    assert router.match("/s0/y") == ("y", {})


@pytest.mark.skipif(safename.COMPILED, reason="a compiled add calls no Python code to stop at")
def test_a_match_in_the_middle_of_an_add_sees_the_rules_before_it() -> None:
    # Once, an add sorted a node's steps in place, and a match that walked
    # the node meanwhile found none: None for a path that had matched.
    router = _router(_first_rules(), walk=False)
    assert router.match("/user/70") == ("name", {"name": "70"})
    inner: list[Answer] = []

    def match_once(frame: FrameType) -> bool:
        if frame.f_code.co_name != "<lambda>" or "matcher" not in frame.f_code.co_filename:
            return False  # not the key of the sort of a node's dynamic steps
        inner.append(router.match("/user/70"))
        return True

    _, matched = _profiled(match_once, lambda: router.add("/user/<float:x>", "real"))
    assert matched  # the match ran inside the sort
    assert inner == [("name", {"name": "70"})]
    assert router.match("/user/7.5") == ("real", {"x": 7.5})


def _shape(root: matcher.Node) -> list[tuple[matcher.Node, dict[str, Any], list[Any], list[Any]]]:
    """Each node below *root*, with copies of its steps and rules as they are now."""
    shape = []
    pending = [root]
    while pending:
        node = pending.pop()
        shape.append((node, dict(node.static), list(node.dynamic), list(node.routes)))
        pending.extend(node.children())
    return shape


@pytest.mark.parametrize("walk", [False, True], ids=["regexes", "walk"])
def test_an_add_changes_nothing_a_match_may_be_reading(walk: bool) -> None:
    router = _router([*_first_rules(), ("/user/<int:id>/x", "x")], walk=walk)
    assert router.match("/user/70") == ("name", {"name": "70"})
    version = router._matcher._version
    index = version.index
    assert index is not None  # compiled by the match
    shape = _shape(version.root)
    by_first, wide, root_steps = dict(index.by_first), dict(index.wide), index.root_steps

    for rule, endpoint in [
        ("/new/<int:n>", "root"),  # a new first segment
        ("/user/me", "me"),  # below a static node
        ("/user/<int:id>/y", "y"),  # below a dynamic step
        ("/user/<float:x>", "real"),  # a step sorted among the others
        ("/user/<int(min=10):n>", "big"),  # a rule that ends at a node with rules
        ("/user/<name>", "twice"),
    ]:
        router.add(rule, endpoint)
        assert router.match("/new/5") == ("root", {"n": 5})  # each new version compiled

    assert router._matcher._version is not version
    assert version.index is index
    assert (index.by_first, index.wide, index.root_steps) == (by_first, wide, root_steps)
    for node, static, dynamic, routes in shape:
        assert (node.static, node.dynamic, node.routes) == (static, dynamic, routes)
    # The old tree still answers as it did.
    found = matcher.search(version.root, ["", "user", "70"], 1, 1, "/user/70")
    assert found == ("name", {"name": "70"})
