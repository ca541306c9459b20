"""safename's matcher inside Werkzeug's Map: Werkzeug's answers, in linear time."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from flask import Flask
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.routing.matcher import StateMachineMatcher

from safename.flask import SafeName
from safename.routing import _werkzeug as _werkzeug_matcher
from safename.routing._nfa import Piece
from safename.routing._werkzeug import LinearMatcher, PartReader, install, split_part

SEGMENTS = (
    "a",
    "<x>",
    "<int:x>",
    "<x>-<y>",
    "<x>-<y>.txt",
    "<int:x><y>-<z>",
    "<x>.<y>",
    "<any(a, b):x>",
    "<path:x>",
    "<path:x>/<path:y>",
    "<path:x>/b",
    "",
)


def outcome(url_map: Map, path: str, method: str = "GET") -> Any:
    """What Werkzeug's adapter answers, or the exception it raises, comparable."""
    adapter = url_map.bind("example.org")
    try:
        return adapter.match(path, method=method)
    except RequestRedirect as redirect:
        return ("redirect", redirect.new_url)
    except MethodNotAllowed as error:
        return ("405", sorted(error.valid_methods or ()))
    except HTTPException as error:
        return (type(error).__name__,)


@st.composite
def rule_sets(draw: st.DrawFn) -> list[Rule]:
    rules = []
    for number in range(draw(st.integers(1, 5))):
        segments = draw(st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=3))
        text = "/" + "/".join(segments)
        for name in "xyz":  # one name per variable in the rule
            for count in range(text.count(f"{name}>")):
                text = text.replace(f"{name}>", f"{name}{number}_{count}|", 1)
        text = text.replace("|", ">")
        methods = draw(st.sampled_from([None, ["GET"], ["POST"]]))
        strict = draw(st.booleans())
        rules.append(Rule(text, endpoint=f"e{number}", methods=methods, strict_slashes=strict))
    return rules


def both_maps(rules: list[Rule]) -> tuple[Map, Map]:
    werkzeug_map = Map([rule.empty() for rule in rules])
    safename_map = Map([rule.empty() for rule in rules])
    assert install(safename_map)
    return werkzeug_map, safename_map


paths = st.lists(
    st.sampled_from(["a", "b", "1", "-", ".", "a-b", "1-2.txt", "x.y", "", "12a-b"]), max_size=6
).map(lambda segments: "/" + "/".join(segments))


@given(rule_sets(), st.lists(paths, min_size=1, max_size=8), st.sampled_from(["GET", "POST"]))
def test_the_matcher_gives_werkzeugs_answer_on_every_path(
    rules: list[Rule], probes: list[str], method: str
) -> None:
    werkzeug_map, safename_map = both_maps(rules)
    for path in probes:
        assert outcome(safename_map, path, method) == outcome(werkzeug_map, path, method)


@pytest.mark.parametrize(
    ("rule", "pump", "end", "repeats"),
    [
        # 8 KB of dashes (refused by the literals alone), and 8 KB that matches: four
        # variables in one segment.
        ("/d/<a>-<b>-<c>-<d>.txt", "-", "y", 8192),
        ("/d/<a>-<b>-<c>-<d>.txt", "a-", "b.txt", 4096),
        # 4,000 segments against three path variables: refused, read to the end, matching.
        ("/p/<path:a>/<path:b>/<path:c>/x", "a/", "y", 4000),
        ("/p/<path:a>/<path:b>/<path:c>/x", "a/", "/x", 4000),
        ("/p/<path:a>/<path:b>/<path:c>/x", "a/", "x", 4000),
        ("/i/<int:a><b>-<c>", "1", "-", 8192),
        ("/s/<path:a>/<path:b>/", "a/", "", 4000),
    ],
)
def test_a_flask_app_answers_hostile_paths_in_steps_linear_in_their_length(
    rule: str, pump: str, end: str, repeats: int
) -> None:
    app = Flask("hostile")
    SafeName(app)
    app.add_url_rule(rule, "hostile", lambda **values: "found")
    client = app.test_client()
    matcher = app.url_map._matcher
    assert isinstance(matcher, LinearMatcher)
    readers = matcher.readers
    prefix = rule.split("<")[0]

    def total() -> int:
        return sum(reader.nfa.steps for reader in readers.values() if reader.nfa is not None)

    def steps(count: int) -> int:
        before = total()
        client.get(prefix + pump * count + end)
        return total() - before

    short, long = steps(repeats // 2), steps(repeats)
    assert long <= 2.2 * max(short, 1)


def test_install_on_an_app_already_made_keeps_the_order_of_its_rules() -> None:
    app = Flask("made")
    app.add_url_rule("/<a>-<b>", "first", lambda a, b: "first")
    app.add_url_rule("/<c>-<d>", "second", lambda c, d: "second")  # same part: never reached
    SafeName(app)
    app.add_url_rule("/later/<a>-<b>.txt", "later", lambda a, b: f"{a}|{b}")
    assert isinstance(app.url_map._matcher, LinearMatcher)
    assert app.test_client().get("/x-y-z").text == "first"
    assert app.test_client().get("/later/1-2-3.txt").text == "1-2|3"


def test_safename_matcher_false_keeps_werkzeugs_matcher() -> None:
    app = Flask("plain")
    app.config.update(SAFENAME_MATCHER=False, SAFENAME_AUDIT="off")
    SafeName(app)
    assert type(app.url_map._matcher) is StateMachineMatcher


def test_an_unknown_werkzeug_logs_a_warning_and_keeps_werkzeugs_matcher(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(_werkzeug_matcher, "version", lambda name: "9.0.0")
    url_map = Map([Rule("/<a>-<b>.txt", endpoint="x")])
    with caplog.at_level(logging.WARNING, logger="safename.flask"):
        assert install(url_map) is False
    assert type(url_map._matcher) is StateMachineMatcher
    assert "Werkzeug 9.0.0 is not a tested release" in caplog.text


@pytest.mark.parametrize(
    ("content", "regexes", "pieces"),
    [
        (r"(?P<__werkzeug_0>[^/]+)\.txt\Z", ["[^/]+"], [Piece(None, "[^/]+"), Piece(".txt")]),
        (
            r"(?P<__werkzeug_0>[^/].*?)(?<!/)(/?)\Z",
            ["[^/].*?"],
            [Piece(None, "[^/].*?")],
        ),
        (r"a\-(?P<__werkzeug_0>\d+)\Z", [r"\d+"], [Piece("a-"), Piece(None, r"\d+")]),
        (r"(?P<__werkzeug_0>\d+)\Z", [r"[^/]+"], None),  # the converters do not rebuild it
        (r"(?P<__werkzeug_0>\d+)(?=x)\Z", [r"\d+"], None),  # not Werkzeug's shape
    ],
)
def test_split_part_reads_werkzeugs_part_regex_or_refuses(
    content: str, regexes: list[str], pieces: list[Piece] | None
) -> None:
    assert split_part(content, regexes) == pieces


def test_a_custom_regex_the_nfa_cannot_read_stays_with_re() -> None:
    url_map = Map([Rule("/<a>-<b>", endpoint="x")])
    install(url_map)
    rule = next(url_map.iter_rules())
    part = rule._parts[-1]
    reader = PartReader(part, [])  # no converters: the pieces cannot be rebuilt
    assert reader.nfa is None
    assert not reader.linear
    assert reader.read("x-y") == (["x", "y"], None)
