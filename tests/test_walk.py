"""The native walk reads what the regexes read, and finds the rule the regex index finds.

The compiled build matches by walking the rule tree (``safename.routing._walk``);
the pure build by its regexes. Both are tested in both builds: each step's
character loop against its part's regex, each value against the converter's
``to_python``, and whole rule sets against the regex index and Werkzeug
(``tests/test_matcher.py`` runs its rule sets through both).
"""

from __future__ import annotations

import itertools
import pickle
import re
import uuid
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st

import safename
from safename.routing import Pattern, Router, _readers, matcher
from safename.routing import _walk as walk_module

# One rule per kind, and the kinds of parts the walk hands to their own reader.
RULES = {
    "<n>": walk_module.SEGMENT,
    "<string(length=2):n>": walk_module.SEGMENT,
    "<string(minlength=2, maxlength=3):n>": walk_module.SEGMENT,
    "<int:n>": walk_module.INT,
    "<int(signed=True):n>": walk_module.INT,
    "<int(max=99, signed=True):n>": walk_module.INT,
    "<float:n>": walk_module.FLOAT,
    "<float(signed=True):n>": walk_module.FLOAT,
    "<uuid:n>": walk_module.UUID,
    "<any(a, ab, b, 'x.y'):n>": walk_module.ANY,
    "<path:n>": walk_module.PATH,
    "<int(fixed_digits=3):n>": walk_module.OTHER,
    "<filename:n>": walk_module.OTHER,
    "x<n>": walk_module.OTHER,
    "<path:n>/edit": walk_module.PATH,
    "<path:n>.txt": walk_module.PATH,
    "x<path:n>": walk_module.OTHER,
    "<path:n>-<n>": walk_module.OTHER,
}
UUID_TEXT = "12345678-9abc-def0-1234-56789abcdef0"
# Texts near each kind's edges: signs, zeros, dots, hex case, slashes, non-ASCII.
SAMPLES = ["0", "00", "-0", "-", "7", "-7", "42", "042", "1.5", "-1.5", ".5", "5.", "1.2.3"]
SAMPLES += [UUID_TEXT, UUID_TEXT.upper(), UUID_TEXT[:-1] + "g", UUID_TEXT.replace("-", "_")]
SAMPLES += ["a", "ab", "abc", "abcd", ".", "..", "a/b", "/a", "a/", "a//b", "é", "٣", "\n"]
ALPHABET = "0123456789-.abcdefABg/é٣_\n"
texts = st.sampled_from(SAMPLES) | st.text(ALPHABET, max_size=40) | st.uuids().map(str)


def _rule(segments: list[str]) -> str:
    """A rule of *segments*, its variables numbered: ``n0``, ``n1``, ..."""
    names = itertools.count()
    return re.sub(r"\bn>", lambda _: f"n{next(names)}>", "/" + "/".join(segments))


def _part(rule: str) -> Any:
    return Pattern(_rule([rule])).parts[1]


@pytest.mark.parametrize("rule", RULES)
def test_each_part_has_its_kind(rule: str) -> None:
    assert walk_module.part_kind(_part(rule)) == RULES[rule]


@pytest.mark.parametrize("rule", RULES)
@given(text=texts)
def test_a_step_takes_exactly_what_its_regex_matches(rule: str, text: str) -> None:
    part = _part(rule)
    # A step reads one segment, or all the rest of the path for a final part.
    for candidate in [text] if part.final else text.split("/"):
        expected = re.fullmatch(part.content, candidate) is not None
        event("matches" if expected else "does not match")
        assert walk_module.Step(part).accepts(candidate) is expected


@given(value=st.integers(-(10**25), 10**25))
def test_an_int_text_is_read_as_int_reads_it(value: int) -> None:
    assert walk_module._int_value(str(value)) == value


@given(value=st.uuids())
def test_a_uuid_is_made_as_the_uuid_constructor_makes_it(value: uuid.UUID) -> None:
    made = _readers.uuid_value(str(value))
    assert made == value
    assert type(made) is uuid.UUID
    assert made.is_safe is value.is_safe is uuid.SafeUUID.unknown
    assert (str(made), repr(made), hash(made), made.version) == (
        str(value),
        repr(value),
        hash(value),
        value.version,
    )
    assert pickle.loads(pickle.dumps(made)) == value
    assert pickle.dumps(made) == pickle.dumps(value)


def _routers(rules: list[tuple[str, str]]) -> tuple[Router, Router]:
    """A router that walks, and one that reads its regexes, with the same rules."""
    routers = []
    for walk in (True, False):
        router = Router()
        router._matcher = matcher.Matcher(walk=walk)
        for rule, endpoint in rules:
            router.add(rule, endpoint)
        routers.append(router)
    return routers[0], routers[1]


segment_rules = st.lists(st.sampled_from([*RULES, "s", "t", ""]), min_size=1, max_size=4)
rule_sets = st.lists(segment_rules.map(_rule), min_size=1, max_size=8).map(
    lambda rules: [(rule, f"e{index}") for index, rule in enumerate(rules)]
)


@st.composite
def paths_for(draw: st.DrawFn, rules: list[tuple[str, str]]) -> str:
    """A path written from one of *rules*, each variable replaced by a sample or random text."""
    rule, _ = draw(st.sampled_from(rules))
    return re.sub("<[^>]*>", lambda _: draw(texts), rule)


@given(rules=rule_sets, data=st.data())
def test_the_walk_finds_what_the_regexes_find(
    rules: list[tuple[str, str]], data: st.DataObject
) -> None:
    walking, reading = _routers(rules)
    path = data.draw(paths_for(rules) | texts.map(lambda text: "/" + text))
    found = walking.match(path)
    event("a match" if found else "no match")
    assert found == reading.match(path)


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/user/7", ("small", {"n": 7})),
        ("/user/70", ("name", {"name": "70"})),  # the bound refuses: the next rule
        ("/user/-0", ("name", {"name": "-0"})),
        ("/user/..", None),  # no rule reads a dot segment
        ("/user/7/files/a/b.txt", ("file", {"n": 7, "rest": "a/b.txt"})),
        ("/user/7/files/a//b", None),
        ("/user/7/files/../b", None),
        ("user/7", None),
        ("", None),
    ],
)
def test_a_refusal_gives_way_to_the_next_rule(
    path: str, expected: tuple[str, dict[str, Any]] | None
) -> None:
    rules = [
        ("/user/<int(max=9):n>", "small"),
        ("/user/<name>", "name"),
        ("/user/<int(max=9):n>/files/<path:rest>", "file"),
    ]
    walking, reading = _routers(rules)
    assert walking.match(path) == reading.match(path) == expected


def test_a_tree_higher_than_the_walk_takes_is_read_by_its_regexes() -> None:
    deep = "/" + "/".join(f"<v{number}>" for number in range(walk_module.MAX_HEIGHT + 1))
    walking, _ = _routers([("/user/<int:id>", "user"), (deep, "deep")])
    assert walking.match("/user/5") == ("user", {"id": 5})
    assert walking._matcher._walk_root is None  # the regexes read it
    found = walking.match("/q" * (walk_module.MAX_HEIGHT + 1))
    assert found is not None
    assert found[0] == "deep"


def test_the_compiled_build_walks_and_the_pure_build_reads_regexes() -> None:
    assert walk_module.NATIVE is safename.COMPILED
    router = Router()
    router.add("/user/<int:id>", "user")
    assert router.match("/user/5") == ("user", {"id": 5})
    assert (router._matcher._walk_root is not None) is safename.COMPILED


@given(
    segments=st.lists(st.text("abyz019-.é", max_size=5), min_size=1, max_size=40, unique=True),
    data=st.data(),
)
def test_a_node_finds_each_of_many_static_steps(segments: list[str], data: st.DataObject) -> None:
    rules = [(f"/{segment}/<int:n>", f"e{index}") for index, segment in enumerate(segments)]
    walking, reading = _routers(rules)
    path = f"/{data.draw(st.sampled_from(segments) | st.text('abyz019-.é', max_size=5))}/5"
    found = walking.match(path)
    root = walking._matcher._walk_root
    assert root is not None
    way = "table" if root.mask else "compares" if root.texts else "dict"
    event(f"{way}, {'a match' if found else 'no match'}")
    assert found == reading.match(path)


def test_a_crowded_table_gives_way_to_a_dict() -> None:
    # Same length, first and last characters: one run of filled slots.
    crowded = {f"a{middle}z": walk_module.WalkNode() for middle in "bcdefghij"}
    assert walk_module.WalkNode(crowded).texts == ()
    spread = {f"{first}{last}": walk_module.WalkNode() for first in "abc" for last in "xyz"}
    node = walk_module.WalkNode(spread)
    assert node.mask != 0
    assert all(node.static_child(text) is child for text, child in spread.items())
    assert node.static_child("ax/") is None
