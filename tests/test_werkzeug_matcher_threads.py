"""Safename's linear matcher inside a Werkzeug map, shared by threads while rules are added.

Each match answers with the rules before an add or after it: never an exception
from a half-changed tree, never a miss for a path that matched before and still
does. The rules are added to the matcher itself: Werkzeug's ``Map.add`` also
changes the map's own index of rules by endpoint, which ``Map.update`` iterates
on every match, and that is Werkzeug's, not safename's, to make safe (Flask
refuses ``add_url_rule`` once an app has handled a request). The last test
checks the mechanism: an add publishes a new tree and leaves the one a match may
be walking exactly as it was.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator

import pytest
from werkzeug.routing import Map, Rule
from werkzeug.routing.exceptions import NoMatch
from werkzeug.routing.matcher import State

from safename.routing._werkzeug import LinearMatcher, install

#: Rules added while the threads match: each gives one path its first answer.
ADDS = 150
#: Passes over the paths a reader makes at most, should the adder never finish.
MOST_PASSES = 100_000


def _map() -> Map:
    rules = [Rule("/user/<int:n>", endpoint="user"), Rule("/f/<a>-<b>.<ext>", endpoint="file")]
    rules += [Rule(f"/s{number}/x", endpoint=f"static{number}") for number in range(10)]
    rules += [Rule(f"/p{number}/<name>", endpoint=f"name{number}") for number in range(ADDS)]
    url_map = Map(rules)
    assert install(url_map)
    return url_map


def _matcher(url_map: Map) -> LinearMatcher:
    url_map.update()  # sorted and ready, as for the first request
    matcher = url_map._matcher
    assert isinstance(matcher, LinearMatcher)
    return matcher


def _answer(matcher: LinearMatcher, path: str) -> str | None:
    try:
        rule, _ = matcher.match("", path, "GET", False)
    except NoMatch:
        return None
    return str(rule.endpoint)


def _add(url_map: Map, rule: Rule) -> None:
    rule.bind(url_map)
    url_map._matcher.add(rule)


def _shape(state: State) -> tuple[object, ...]:
    """What a match reads of a tree: each state's transitions in order, and its rules."""
    return (
        [(part, _shape(child)) for part, child in state.dynamic],
        list(state.rules),
        {text: _shape(child) for text, child in state.static.items()},
    )


@pytest.fixture
def switching() -> Iterator[None]:
    # Switch threads every microsecond, so that an add lands inside many matches.
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


@pytest.mark.usefixtures("switching")
def test_threads_matching_while_rules_are_added_see_the_tree_before_or_after() -> None:
    url_map = _map()
    matcher = _matcher(url_map)
    steady = ["/user/7", "/f/a-b.txt", *[f"/s{number}/x" for number in range(10)]]
    expected = {path: _answer(matcher, path) for path in steady}
    assert None not in expected.values()
    changing = [f"/p{number}/5" for number in range(ADDS)]
    problems: list[str] = []
    done = threading.Event()

    def read() -> None:
        seen_int: set[str] = set()
        for _ in range(MOST_PASSES):
            for path in steady:
                try:
                    got = _answer(matcher, path)
                except Exception as error:  # the bug this test is for: report, don't stop
                    problems.append(f"{path}: {error!r}")
                    return
                if got != expected[path]:
                    problems.append(f"{path}: {got!r}, not {expected[path]!r}")
            for path in changing:
                got = _answer(matcher, path)
                # Before its add: the <name> rule; after: the <int> rule, and never back.
                if got is None or (path in seen_int and not got.startswith("int")):
                    problems.append(f"{path}: {got!r}")
                if got is not None and got.startswith("int"):
                    seen_int.add(path)
            if done.is_set():
                return

    readers = [threading.Thread(target=read) for _ in range(4)]
    for thread in readers:
        thread.start()
    for number in range(ADDS):
        _add(url_map, Rule(f"/p{number}/<int:n>", endpoint=f"int{number}"))
    done.set()
    for thread in readers:
        thread.join()
    assert problems == []
    assert all(_answer(matcher, path) == f"int{path[2:-2]}" for path in changing)


def test_an_add_publishes_a_new_tree_and_leaves_the_old_one_as_it_was() -> None:
    url_map = _map()
    matcher = _matcher(url_map)
    published = matcher._root
    snapshot = _shape(published)
    for rule in ("/p3/<int:n>", "/user/<name>", "/s1/x/<y>", "/new/<a>/<int:b>", "/s2/x"):
        url_map.add(Rule(rule, endpoint=rule))  # through the map: its update() must change nothing
        _matcher(url_map)
    assert matcher._root is not published
    assert _shape(published) == snapshot
    # The new tree answers with the new rules, in Werkzeug's order.
    assert _answer(matcher, "/p3/5") == "/p3/<int:n>"
    assert _answer(matcher, "/p3/x") == "name3"
    assert _answer(matcher, "/user/ann") == "/user/<name>"
    assert _answer(matcher, "/user/7") == "user"
