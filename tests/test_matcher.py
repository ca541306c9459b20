"""The matcher: Werkzeug's answers on any rule set, in linear time, and no crash from long rules."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter, Map, RequestRedirect, Rule

from safename.routing import Pattern, Router, matcher
from safename.routing._nfa import PartNFA, Piece

UUID_TEXT = "12345678-9abc-def0-1234-56789abcdef0"

# --- the NFA reads what re reads ---

BUILT_IN_REGEXES = [
    "[^/]+",
    "[^/]{2}",
    "[^/]{1,3}",
    "(?:0|[1-9][0-9]*)",
    "(?:0|-?[1-9][0-9]*)",
    "[0-9]{3}",
    "(?:[0-9]{3}|-(?!0{2})[0-9]{2})",
    r"[0-9]+\.[0-9]+",
    r"-?[0-9]+\.[0-9]+",
    "[^/]+?(?:/[^/]+?)*?",
    "[^/]{5,}",
    "[^/]{6,9}?",
    "(?i:[A-B]{5,7})",
    "(?:a|ab|b)",
    "[0-9a-f]{2}-[0-9a-f]",
    "[A-Za-z0-9_.-]{1,4}",
    r"\d+",
    ".+",
]
LITERALS = ["-", ".", "/", "a", "-a", "/x", "0", ".b"]
ALPHABET = "ab-./01x9"

pieces = st.lists(
    st.one_of(
        st.sampled_from(LITERALS).map(Piece),
        st.sampled_from(BUILT_IN_REGEXES).map(lambda regex: Piece(None, regex)),
    ),
    min_size=1,
    max_size=7,
)


def regex_of(part: list[Piece]) -> str:
    return "".join(re.escape(piece.text) if piece.text else f"({piece.regex})" for piece in part)


#: Texts that the built-in regexes often match, to fill a part with.
SAMPLES = ["a", "1", "12", "0", "1.5", "ab", "a/b", "-", "1-2", "a.b", "ab-1", "-1", "007"]


@st.composite
def texts_for(draw: st.DrawFn, part: list[Piece]) -> str:
    """A text for *part*: its literals, and for each variable a sample or random text."""
    fill = st.sampled_from(SAMPLES) | st.text(ALPHABET, max_size=5)
    return "".join(piece.text or draw(fill) for piece in part)


@given(part=pieces, data=st.data())
def test_the_nfa_captures_what_re_captures(part: list[Piece], data: st.DataObject) -> None:
    nfa = PartNFA(part)
    regex = re.compile(regex_of(part))
    texts = data.draw(st.lists(texts_for(part) | st.text(ALPHABET, max_size=12), min_size=1))
    for text in texts:
        match = regex.fullmatch(text)
        event("a match" if match else "no match")
        assert nfa.fullmatch(text) == (None if match is None else match.groups())


def test_threads_share_one_part_and_read_what_re_reads() -> None:
    part = [Piece(None, "[^/]+"), Piece("-"), Piece(None, "(?:0|[1-9][0-9]*)"), Piece(".")]
    regex = re.compile(regex_of(part))
    nfa = PartNFA(part)  # its DFA grows while the threads read it
    texts = [f"{chr(97 + number % 26) * (number % 7 + 1)}-{number}." for number in range(400)]
    texts += [text.replace("-", "--") for text in texts]

    def expected(text: str) -> tuple[str | Any, ...] | None:
        match = regex.fullmatch(text)
        return None if match is None else match.groups()

    def read_all(offset: int) -> list[bool]:
        order = texts[offset:] + texts[:offset]
        return [nfa.fullmatch(text) == expected(text) for text in order]

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(read_all, range(0, 800, 100)))
    assert all(all(result) for result in results)


# --- Werkzeug's answers on generated rule sets ---


class WerkzeugFilename(BaseConverter):
    """safename's ``filename`` regex in Werkzeug, which has no such converter."""

    regex = "[A-Za-z0-9_.-]{1,255}"


# (safename's converter text, Werkzeug's): each has a regex Werkzeug reads alike.
CONVERTERS = [
    "",
    "string:",
    "string(length=2):",
    "string(minlength=2, maxlength=3):",
    "int:",
    "float:",
    "path:",
    "path:",
    "any(a, b, ab):",
    "uuid:",
    "filename:",
]
TEXTS = ["a", "-", ".", "x1", "-a.", "ab", ".tar"]


@st.composite
def rules(draw: st.DrawFn) -> str:
    """A rule: segments of literals and variables, several in one segment, ``path`` anywhere."""
    names = iter(f"v{number}" for number in range(100))
    segments = []
    for _ in range(draw(st.integers(1, 3))):
        pieces = draw(
            st.lists(st.sampled_from(TEXTS) | st.sampled_from(CONVERTERS), min_size=1, max_size=4)
        )
        segments.append(
            "".join(piece if piece in TEXTS else f"<{piece}{next(names)}>" for piece in pieces)
        )
    if draw(st.booleans()):
        # A path variable, then a suffix in its own last segment (name.ext).
        suffix = draw(st.sampled_from([".", "-", ".tar", "x1"]))
        tail = draw(st.sampled_from(["", "<v98>", "<int:v99>"]))
        segments.append(f"<path:v97>{suffix}{tail}")
    return "/" + "/".join(segments)


rule_sets = st.lists(rules(), min_size=1, max_size=6).map(
    lambda drawn: [(rule, f"e{index}") for index, rule in enumerate(drawn)]
)
SEGMENTS = ["a", "-", "x1", "ab", "1", "12", "1.5", "a-b", "a.b", "-a.", "", UUID_TEXT, "CON"]
random_paths = st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=5).map(
    lambda segments: "/" + "/".join(segments)
)
# Floods of a separator, long digit runs and repeated segments, short enough
# that Werkzeug's backtracking still answers quickly.
adversarial_paths = st.builds(
    lambda unit, count, tail: "/" + unit * count + tail,
    st.sampled_from(["-", "1", "a/", "a-", "1.", "x1/", "-a./"]),
    st.integers(1, 24),
    st.sampled_from(["", "y", "a", "/", ".5", "-b", "1"]),
)


def werkzeug_match(rules: list[tuple[str, str]], path: str) -> tuple[str, dict[str, Any]] | None:
    rule_list = [Rule(rule, endpoint=endpoint) for rule, endpoint in rules]
    adapter = Map(rule_list, converters={"filename": WerkzeugFilename}).bind("localhost")
    try:
        endpoint, values = adapter.match(path)
    except NotFound:
        return None
    return str(endpoint), dict(values)


def check_against_werkzeug(rules: list[tuple[str, str]], path: str, *, walk: bool) -> None:
    try:
        expected = werkzeug_match(rules, path)
    except RequestRedirect:
        event("Werkzeug redirects")
        return  # to add a slash, or merge two: safename only matches
    found = _router(rules, walk=walk).match(path)
    if expected is None:
        event("no match")
        assert found is None
        return
    rule = next(rule for rule, endpoint in rules if endpoint == expected[0])
    pattern = Pattern(rule)
    if pattern.match(path) is None or _refused(pattern, expected[1]):
        # Werkzeug's regex reads a text safename's does not ("007", an
        # upper-case UUID, a path with an empty segment, a reserved name).
        # Where both read the rule the same texts, they must read the same values.
        event("a text only Werkzeug reads")
        return
    event("a match")
    assert found == expected


def _refused(pattern: Pattern, values: dict[str, Any]) -> bool:
    """Whether one of Werkzeug's *values* is a text *pattern*'s own converter refuses."""
    for name, value in values.items():
        converter = pattern.converters[name]
        if not isinstance(value, str):
            continue
        try:
            converter.to_python(value)
        except ValueError:
            return True
        if re.fullmatch(converter.regex, value) is None:
            return True
    return False


#: Each build's way to match: the native walk (compiled) and the regex index (pure).
WAYS = pytest.mark.parametrize("walk", [False, True], ids=["regexes", "walk"])


def _router(rules: list[tuple[str, str]], *, walk: bool = False) -> Router:
    router = Router()
    router._matcher = matcher.Matcher(walk=walk)
    for rule, endpoint in rules:
        router.add(rule, endpoint)
    return router


#: Values to write in place of a rule's variables, ambiguous on purpose.
VALUES = [
    "a",
    "-",
    "1",
    "12",
    "1.5",
    "a-b",
    "a.b",
    "x1",
    "ab",
    "a/b",
    "-a.",
    UUID_TEXT,
    "CON",
    "a.tar.gz",
    "b/a.tar.gz",
]


@st.composite
def paths_for(draw: st.DrawFn, rules: list[tuple[str, str]]) -> str:
    """A path written from one of *rules*, each variable replaced by a value or a flood."""
    rule, _ = draw(st.sampled_from(rules))
    values = st.sampled_from(VALUES) | adversarial_paths.map(lambda path: path[1:])
    return re.sub("<[^>]*>", lambda _: draw(values), rule)


@WAYS
@given(rules=rule_sets, data=st.data())
def test_the_router_agrees_with_werkzeug_on_any_rule_set(
    walk: bool, rules: list[tuple[str, str]], data: st.DataObject
) -> None:
    check_against_werkzeug(rules, data.draw(paths_for(rules) | random_paths), walk=walk)


@pytest.mark.slow
@WAYS
@given(rules=rule_sets, data=st.data())
def test_the_router_agrees_with_werkzeug_on_adversarial_paths(
    walk: bool, rules: list[tuple[str, str]], data: st.DataObject
) -> None:
    check_against_werkzeug(rules, data.draw(paths_for(rules) | adversarial_paths), walk=walk)


@pytest.mark.parametrize(
    ("rule", "path", "values"),
    [
        ("/<a>-<b>-<c>", "/x-y-z-w", {"a": "x-y", "b": "z", "c": "w"}),
        ("/<path:a>/<path:b>/x", "/p/q/r/x", {"a": "p", "b": "q/r"}),
        ("/<path:a>.txt", "/a.txt/b.txt", {"a": "a.txt/b"}),
        ("/files/<path:name>.<ext>", "/files/archive.tar.gz", {"name": "archive", "ext": "tar.gz"}),
        ("/<path:name>.<ext>", "/d/a.b/c.tar.gz", {"name": "d/a.b/c", "ext": "tar.gz"}),
        ("/<int:a><b>-<c>", "/12x-y", {"a": 12, "b": "x", "c": "y"}),
        ("/<int:a><int:b>", "/123", {"a": 12, "b": 3}),
        ("/<any(a, ab):x><y>", "/ab", {"x": "a", "y": "b"}),
        ("/<float:f>-<int:n>", "/1.5-2", {"f": 1.5, "n": 2}),
        ("/<uuid:u>.<ext>", f"/{UUID_TEXT}.json", {"u": uuid.UUID(UUID_TEXT), "ext": "json"}),
    ],
)
def test_several_variables_read_as_werkzeug_reads_them(
    rule: str, path: str, values: dict[str, Any]
) -> None:
    assert Pattern(rule).match(path) == values
    assert werkzeug_match([(rule, "e")], path) == ("e", values)


@WAYS
def test_a_refused_value_falls_through_to_the_next_rule_not_another_split(walk: bool) -> None:
    # re's split of "x-y-CON" is a="x-y", b="CON", a reserved name. The split
    # a="x", b="y-CON" would convert, but like Werkzeug (which answers 404
    # there) the rule has no second split: the next rule is tried.
    router = _router([("/<a>-<filename:b>", "split"), ("/<x>", "next")], walk=walk)
    assert router.match("/x-y-z") == ("split", {"a": "x-y", "b": "z"})
    assert router.match("/x-y-CON") == ("next", {"x": "x-y-CON"})


WIDE_RULES = [
    *((f"/<lang>/page{number}", f"page{number}") for number in range(70)),
    ("/<lang>", "lang"),
    ("/<lang>/<int:n>-<int:m>", "pair"),
    ("/<a>-<b>/x", "split"),
    ("/<path:rest>", "rest"),
]


@WAYS
@pytest.mark.parametrize(
    "path", ["/en", "/en/page3", "/en/page70", "/en/1-2", "/a-b/x", "/a-b/y", "/en/x/y", "/"]
)
def test_the_walk_goes_on_where_the_regex_handed_over(walk: bool, path: str) -> None:
    # 70 rules below <lang> make it wide, and <n>-<m> and <a>-<b> are read
    # by the NFA: the regex hands over at both, and the walk must go on in
    # Werkzeug's order, back to the root if need be (to <path:rest>).
    assert _router(WIDE_RULES, walk=walk).match(path) == werkzeug_match(WIDE_RULES, path)


# --- no crash from long rules ---


LONG_RULES = [
    ("/<lang>/" + "a" * 400, "/en/" + "a" * 400),
    ("/<lang>/" + "a/" * 400 + "b", "/en/" + "a/" * 400 + "b"),
    ("/" + "/".join(f"<v{number}>" for number in range(600)), "/q" * 600),
    ("/" + "/".join(f"s{number}" for number in range(10_000)) + "/<int:n>", None),
    ("/<a>/" + "x" * 65_536 + "/<b>", "/q/" + "x" * 65_536 + "/z"),
]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("rule", "path"), LONG_RULES, ids=["400a", "400seg", "600var", "10k", "64k"]
)
@WAYS
def test_a_long_rule_matches_and_breaks_no_other_rule(
    walk: bool, rule: str, path: str | None
) -> None:
    router = _router([("/user/<int:id>", "user"), (rule, "long")], walk=walk)
    path = path or rule.replace("<int:n>", "5")
    assert router.match("/user/5") == ("user", {"id": 5})
    found = router.match(path)
    assert found is not None
    assert found[0] == "long"
    assert router.build("user", id=5) == "/user/5"


def test_the_reported_recursion_case() -> None:
    router = Router()
    router.add("/user/<int:id>", "user")
    router.add("/<lang>/" + "a" * 400, "long")
    assert router.match("/user/5") == ("user", {"id": 5})


def test_a_regex_the_compiler_refuses_leaves_every_rule_matching(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise RecursionError("maximum recursion depth exceeded")

    monkeypatch.setattr(matcher.CompiledTree, "__init__", refuse)
    router = _router([("/user/<int:id>", "user"), ("/user/<int:id>/<name>", "name")])
    assert router.match("/user/5") == ("user", {"id": 5})
    assert router.match("/user/5/ann") == ("name", {"id": 5, "name": "ann"})
    assert router.match("/user/x") is None


# --- the linear bound, counted in steps ---

#: The ReDoS families of the issue: a rule, and a path of about n characters
#: that makes Python's re backtrack (and one that makes the NFA read it all).
FAMILIES: dict[str, tuple[str, Callable[[int], str]]] = {
    "separators": ("/<a>-<b>-<c>-<d>.txt", lambda n: "/" + "-" * n + "y"),
    "separators, read in full": ("/<a>-<b>-<c>-<d>.txt", lambda n: "/" + "-" * n + ".txt"),
    "four paths": ("/<path:a>/<path:b>/<path:c>/<path:d>/x", lambda n: "/" + "a/" * (n // 2) + "y"),
    "four paths, read in full": (
        "/<path:a>/<path:b>/<path:c>/<path:d>/x",
        lambda n: "/" + "a/" * (n // 2) + "x",
    ),
    "two paths": ("/<path:a>/<path:b>/x", lambda n: "/" + "a/" * (n // 2)),
    "digits": ("/<int:a><b>-<c>", lambda n: "/" + "1" * n + "/"),
    "digits, read in full": ("/<int:a><b>-<c>", lambda n: "/1" + "-" * n + "1"),
}


def steps_to_match(rule: str, path: str, *, walk: bool) -> int:
    router = _router([("/user/<int:id>", "user")], walk=walk)
    pattern = router.add(rule, "family")
    router.match(path)
    return sum(part.nfa.steps for part in pattern.parts if part.nfa is not None)


@WAYS
@pytest.mark.parametrize("family", FAMILIES)
def test_matching_takes_steps_linear_in_the_path(walk: bool, family: str) -> None:
    rule, make_path = FAMILIES[family]
    steps = {n: steps_to_match(rule, make_path(n), walk=walk) for n in (1000, 2000, 4000, 8000)}
    for n in (1000, 2000, 4000):
        assert steps[2 * n] <= 2.2 * steps[n] + 100
    assert steps[8000] <= 20 * 8000


@pytest.mark.parametrize(
    # path repeats more than one character; a look-ahead depends on what follows.
    "regex",
    [regex for regex in BUILT_IN_REGEXES if regex != "[^/]+?(?:/[^/]+?)*?" and "(?!" not in regex],
)
def test_a_part_of_literals_and_class_repeats_is_read_from_intervals(regex: str) -> None:
    # Without a Python loop over its characters: what keeps 16 KB under milliseconds.
    nfa = PartNFA([Piece(None, regex), Piece("-"), Piece(None, regex)])
    assert nfa._sequence is not None


MOUNTED = [
    "/user/<int:id>",
    "/user/<int:id>/posts",
    "/user/<name>",
    "/files/<path:name>",
    "/api/v1/items/<uuid:id>",
]


@pytest.mark.parametrize("walk", [False, True])
def test_mounted_copies_share_what_they_read_and_keep_their_own_rules(walk: bool) -> None:
    rules = [(f"/m{mount}{rule}", f"m{mount}:{rule}") for mount in range(3) for rule in MOUNTED]
    router = _router(rules, walk=walk)
    for mount in range(3):
        assert router.match(f"/m{mount}/user/7/posts") == (
            f"m{mount}:/user/<int:id>/posts",
            {"id": 7},
        )
        assert router.match(f"/m{mount}/user/ann") == (f"m{mount}:/user/<name>", {"name": "ann"})
        assert router.match(f"/m{mount}/files/a/b") == (
            f"m{mount}:/files/<path:name>",
            {"name": "a/b"},
        )
    table = router._matcher._compiled()
    if walk:
        root = table.walk_root
        assert root is not None
        first, second = (root.static_child(f"m{mount}") for mount in range(2))
        assert first is not None
        assert second is not None
        assert first is not second
        assert first.texts is second.texts  # one tuple of interned texts
        user = (first.static_child("user"), second.static_child("user"))
        assert user[0] is not None
        assert user[1] is not None
        assert user[0].steps is user[1].steps  # one tuple of the same steps
        assert user[0].step_children[0] is not user[1].step_children[0]
    else:
        regexes = {entries[0][0].__self__ for entries in table.by_first.values()}  # type: ignore[attr-defined]
        assert len(table.by_first) == 3
        assert len(regexes) == 1  # one compiled regex for the three mounts


@pytest.mark.parametrize("walk", [False, True])
@pytest.mark.parametrize(
    "path",
    ["+\udcdf\udcff\x00\x00s/files/sion/1.\x00\x00\x002/il\x00e", "abcdef/files/a", "files/a", ""],
)
def test_a_path_that_does_not_start_with_a_slash_matches_no_rule(walk: bool, path: str) -> None:
    # Found by the fuzzer: the regex of /files starts 6 characters in, past "/files", and read
    # a first segment of 6 characters, then "/files/...", as if the path had started there.
    router = _router([("/files/<path:rest>", "files"), ("/<a>/<path:b>", "any")], walk=walk)
    assert router.match(path) is None
    assert router.match("/abcdef/files/a") == ("any", {"a": "abcdef", "b": "files/a"})
