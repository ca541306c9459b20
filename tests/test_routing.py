"""Rule syntax, Pattern and Router: Werkzeug's syntax and winner, builds that route back."""

from __future__ import annotations

import re
import uuid
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import unquote

import pytest
from converter_cases import EXAMPLE_UUID_TEXT, HexConverter, typical_values
from hypothesis import event, given
from hypothesis import strategies as st
from werkzeug.exceptions import NotFound
from werkzeug.routing import Map, RequestRedirect, Rule
from werkzeug.routing.rules import parse_converter_args as werkzeug_parse_args

from safename import ConversionError, RuleSyntaxError
from safename.converters import (
    DEFAULT_CONVERTERS,
    Converter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
)
from safename.routing import Pattern, Router, RuleVariable, parse_converter_args, parse_rule

# --- the rule syntax ---


@pytest.mark.parametrize(
    ("rule", "tokens"),
    [
        ("/", ("/",)),
        ("/about/", ("/about/",)),
        ("/<x>", ("/", RuleVariable("x"))),
        ("/a/<int:n>/b", ("/a/", RuleVariable("n", "int"), "/b")),
        ("/<int(max=5):n>", ("/", RuleVariable("n", "int", (), {"max": 5}))),
        ("/<a>-<b>.html", ("/", RuleVariable("a"), "-", RuleVariable("b"), ".html")),
        ("/<any(a, 'b)c'):x>", ("/", RuleVariable("x", "any", ("a", "b)c")))),
        ("/a>b", ("/a>b",)),
    ],
)
def test_parses_rules_into_text_and_variables(rule: str, tokens: tuple[Any, ...]) -> None:
    assert parse_rule(rule) == tokens


@pytest.mark.parametrize(
    "arguments",
    [
        "",
        "2",
        "max=10",
        "2, max=10, signed=True",
        "minlength=2, maxlength=None",
        "about, help, 'foo,bar'",
        'u"x", r"y"',
        "1.5, 2.",
        "a.b, False",
        "  x  =  'spaced'  ",
    ],
)
def test_reads_arguments_as_werkzeug_does(arguments: str) -> None:
    assert parse_converter_args(arguments) == werkzeug_parse_args(arguments)


@pytest.mark.parametrize(
    ("arguments", "ours"),
    [
        ("1,2", ((1, 2), {})),  # Werkzeug's unescaped "." reads one argument "1,2"
        ("min=-1, max=-0.5", ((), {"min": -1, "max": -0.5})),  # Werkzeug cannot write a sign
    ],
)
def test_reads_arguments_werkzeug_misreads(arguments: str, ours: Any) -> None:
    assert parse_converter_args(arguments) == ours


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("user/<id>", "must start with '/'"),
        ("", "must start with '/'"),
        ("/user/<id", "unclosed '<' at position 6"),
        ("/<", "unclosed '<'"),
        ("/<1a>", "cannot read '<1a>'"),
        ("/<a b>", "cannot read '<a b>'"),
        ("/<int(:x>", "cannot read"),
        ("/<:x>", "cannot read"),
        ("/<int:>", "cannot read"),
        ("/<x>/<x>", "'x' is used twice"),
        ("/<nope:x>", "unknown converter 'nope'"),
        ("/<int(1 2):x>", "cannot read the argument"),
        ("/<int(1, @):x>", "cannot read the argument '@'"),
        ("/<int(max=1, max=2):x>", "'max' is given twice"),
        ("/<int(colour=1):x>", "refused its arguments"),
        ("/<int(fixed_digits=-1):x>", "refused its arguments"),
        ("/<string(minlength=0):x>", "refused its arguments"),
        ("/<any:x>", "refused its arguments"),
        ("/<any(a/b):x>", "cannot read the argument"),
        ("/<any('a/b'):x>", "refused its arguments"),
        # Found by fuzz/fuzz_parse_rule.py: arguments of the wrong type or size.
        ("/<string(minlength=4294967296):x>", "minlength must be in [1, 65535]"),
        ("/<int(fixed_digits=4294967296):x>", "fixed_digits must be in [0, 65535]"),
        ("/<filename(max_length=4294967296):x>", "max_length must be in [1, 65535]"),
        ("/<string(length=1.5):x>", "length must be an int"),
        ("/<int(fixed_digits=True):x>", "fixed_digits must be an int"),
        ("/<float(min5, signed=True):x>", "min must be a number or None"),
        ('/<int(min="5"):x>', "min must be an int or None"),
        ("/<int(signed=1):x>", "signed must be True or False"),
        ("/<filename(allow_unicode=yes):x>", "allow_unicode must be True or False"),
        ("/<bad:x>", "is not valid"),
        ("/<named:x>", "names groups: ['inner']"),
    ],
)
def test_malformed_rules_say_what_is_wrong(rule: str, problem: str) -> None:
    with pytest.raises(RuleSyntaxError, match=re.escape(problem)) as caught:
        Pattern(rule, {"bad": _BadRegex, "named": _NamedGroup})
    assert caught.value.rule == rule
    assert isinstance(caught.value, ValueError)


# --- Pattern ---


@pytest.mark.parametrize(
    ("rule", "path", "values"),
    [
        ("/post/<int:n>", "/post/3", {"n": 3}),
        ("/post/<int:n>", "/post/٣", None),
        ("/post/<int:n>", "/post/3/", None),
        ("/<a>-<b>", "/x-y-z", {"a": "x-y", "b": "z"}),
        ("/files/<path:p>/edit", "/files/a/b/edit", {"p": "a/b"}),
        ("/files/<path:p>", "/files/a/../b", None),
        ("/<path:a>/<path:b>", "/x/y/z", {"a": "x", "b": "y/z"}),
        ("/page-<int:n>.html", "/page-12.html", {"n": 12}),
        ("/v<float:f>", "/v1.5", {"f": 1.5}),
        ("/<uuid:u>", f"/{EXAMPLE_UUID_TEXT}", {"u": uuid.UUID(EXAMPLE_UUID_TEXT)}),
        ("/dl/<filename:name>", "/dl/report.pdf", {"name": "report.pdf"}),
        ("/dl/<filename:name>", "/dl/CON.txt", None),
        ("/100%", "/100%", {}),
        ("/a b", "/a%20b", None),
    ],
)
def test_pattern_matches_decoded_paths(rule: str, path: str, values: dict[str, Any] | None) -> None:
    assert Pattern(rule).match(path) == values


@pytest.mark.parametrize(
    ("rule", "values"),
    [
        ("/user/<name>", {"name": "ann lee"}),
        ("/user/<name>", {"name": "ü?#%"}),
        ("/post/<int:n>/<slug>", {"n": 7, "slug": "hello-world"}),
        ("/files/<path:p>", {"p": "docs/a b/c.txt"}),
        ("/files/<path:p>/edit", {"p": "a/b"}),
        ("/v<float:f>", {"f": 1.5}),
        ("/n/<int(fixed_digits=3):n>", {"n": 7}),
        ("/<any(about, help):page>", {"page": "help"}),
        ("/item/<uuid:u>", {"u": uuid.UUID(EXAMPLE_UUID_TEXT)}),
        ("/page-<int:n>.html", {"n": 12}),
        ("/static/x.css", {}),
    ],
)
def test_pattern_builds_and_matches_as_werkzeug_does(rule: str, values: dict[str, Any]) -> None:
    adapter = Map([Rule(rule, endpoint="e")]).bind("localhost")
    url = Pattern(rule).build(**values)
    assert url == adapter.build("e", values)
    assert Pattern(rule).match(unquote(url)) == adapter.match(unquote(url))[1] == values


@pytest.mark.parametrize(
    ("rule", "values", "problem"),
    [
        ("/<float:f>", {"f": 1e20}, None),  # Werkzeug: /1e+20, a 404
        ("/<float:f>", {"f": float("nan")}, "not finite"),
        ("/<float:f>", {"f": float("inf")}, "not finite"),
        ("/<int:n>", {"n": -5}, "negative"),
        ("/<int(fixed_digits=3):n>", {"n": 12345}, "more than 3 digits"),
        ("/<int(max=10):n>", {"n": 11}, "above the maximum"),
        ("/s/<x>", {"x": "a/b"}, "'/' inside"),
        ("/s/<x>", {"x": ""}, "empty"),
        ("/<a>-<b>", {"a": "x", "b": "y-z"}, "would not read back"),
        ("/<any(a, b):x>", {"x": "c"}, "not one of"),
    ],
)
def test_build_refuses_what_werkzeug_builds_into_a_404(
    rule: str, values: dict[str, Any], problem: str | None
) -> None:
    pattern = Pattern(rule)
    if problem is None:
        assert pattern.match(unquote(pattern.build(**values))) == values
    else:
        with pytest.raises(ConversionError, match=re.escape(problem)):
            pattern.build(**values)


@pytest.mark.parametrize("values", [{}, {"n": 1, "extra": 2}, {"m": 1}])
def test_build_takes_exactly_the_rule_variables(values: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="takes n"):
        Pattern("/<int:n>").build(**values)


class _BadRegex(Converter[str]):
    regex = "[a-"


class _NamedGroup(Converter[str]):
    regex = "(?P<inner>[a-z]+)"


def test_a_variable_may_be_called_self() -> None:
    assert Pattern("/<self>").build(self="me") == "/me"


class _Sloppy(Converter[str]):
    """A custom converter whose regex crosses segments though it says it does not."""

    regex = ".+"
    part_isolating = True

    def to_python(self, text: str) -> str:
        return text

    def to_url(self, value: str) -> str:
        return value


def test_custom_converters_are_registered_by_name() -> None:
    pattern = Pattern("/c/<hex:value>", converters={"hex": HexConverter})
    assert pattern.match("/c/ff") == {"value": 255}
    assert pattern.build(value=255) == "/c/ff"
    with pytest.raises(RuleSyntaxError, match="unknown converter 'hex'"):
        Pattern("/c/<hex:value>")


def test_a_converter_that_stays_in_a_segment_never_gets_a_slash() -> None:
    pattern = Pattern("/<sloppy:x>", converters={"sloppy": _Sloppy})
    assert pattern.match("/a") == {"x": "a"}
    assert pattern.match("/a/b") is None
    with pytest.raises(ConversionError):
        pattern.build(x="a/b")


def test_build_refuses_text_utf8_cannot_encode() -> None:
    with pytest.raises(ConversionError):
        Pattern("/<sloppy:x>", converters={"sloppy": _Sloppy}).build(x="\ud800")


# --- values for the properties ---


PATTERN_RULES = [
    "/user/<name>",
    "/user/<int:user_id>/posts/<int(fixed_digits=3):post>",
    "/<lang>/<path:page>/edit",
    "/<path:a>/<path:b>",
    "/v<float(signed=True):f>/x",
    "/<a>-<b>.<ext>",
    "/<any(a, 'b c', ü):x>/<uuid:u>",
    "/dl/<filename(allow_unicode=True):name>",
    "/p-<int(signed=True, min=-5, max=5):n>",
]


@pytest.mark.parametrize("rule", PATTERN_RULES)
@given(data=st.data())
def test_match_reads_back_every_build(rule: str, data: Any) -> None:
    pattern = Pattern(rule)
    values = data.draw(
        st.fixed_dictionaries(
            {name: typical_values(converter) for name, converter in pattern.converters.items()}
        )
    )
    try:
        url = pattern.build(**values)
    except ConversionError:
        return
    assert pattern.match(unquote(url)) == values
    assert url.startswith("/")
    assert url.isascii()


# --- Router ---


def make_router(rules: list[tuple[str, str]], **options: Any) -> Router:
    router = Router(**options)
    for rule, endpoint in rules:
        router.add(rule, endpoint)
    return router


def werkzeug_match(rules: list[tuple[str, str]], path: str) -> tuple[str, dict[str, Any]] | None:
    adapter = Map([Rule(rule, endpoint=endpoint) for rule, endpoint in rules]).bind("localhost")
    try:
        endpoint, values = adapter.match(path)
    except NotFound:
        return None
    return str(endpoint), dict(values)


PRIORITY = [
    ("/user/me", "static"),
    ("/user/<name>", "string"),
    ("/user/<int:user_id>", "int"),
    ("/user/<path:rest>", "path"),
    ("/user/<any(admin, root):role>", "any"),
    ("/<section>/<int:n>", "section"),
    ("/u-<name>", "prefixed"),
    ("/<name>", "bare"),
    ("/<a>-<b>", "two"),
    ("/files/<path:p>", "files"),
    ("/files/<path:p>/edit", "edit"),
    ("/files/<name>", "file name"),
]


@pytest.mark.parametrize(
    "path",
    [
        "/user/me",
        "/user/42",
        "/user/ann",
        "/user/a/b",
        "/user/admin",
        "/post/42",
        "/u-x",
        "/x-y",
        "/x",
        "/files/a",
        "/files/a/b",
        "/files/a/b/edit",
        "/files/edit",
        "/nowhere/at/all/really",
    ],
)
def test_the_winner_is_werkzeugs(path: str) -> None:
    assert make_router(PRIORITY).match(path) == werkzeug_match(PRIORITY, path)


@pytest.mark.parametrize(
    ("path", "endpoint"),
    [
        ("/user/me", "static"),  # static beats variables
        ("/user/42", "int"),  # int (50) beats string (100) beats path (200)
        ("/user/ann", "string"),  # string, added before any: same weight, first added wins
        ("/user/a/b", "path"),
        ("/u-x", "prefixed"),  # static text in the segment beats none
        ("/x-y", "two"),  # more static pieces rank first
    ],
)
def test_the_winner_follows_werkzeugs_ranks(path: str, endpoint: str) -> None:
    found = make_router(PRIORITY).match(path)
    assert found is not None
    assert found[0] == endpoint


def test_a_refused_value_falls_through_to_the_next_rule() -> None:
    rules = [("/<int(max=10):n>", "small"), ("/<name>", "name")]
    router = make_router(rules)
    assert router.match("/7") == ("small", {"n": 7})
    assert router.match("/11") == ("name", {"name": "11"})
    assert werkzeug_match(rules, "/11") is None  # Werkzeug stops at its first choice


def test_a_router_without_rules_matches_nothing() -> None:
    router = Router()
    assert router.match("/") is None
    assert router.match("") is None


@pytest.mark.parametrize("path", ["", "user/42", "x", "//user/42"])
def test_paths_without_one_leading_slash_match_nothing(path: str) -> None:
    assert make_router(PRIORITY).match(path) is None


def test_rules_added_after_a_match_are_seen() -> None:
    router = make_router([("/a/<int:n>", "a")])
    assert router.match("/a/x") is None
    router.add("/a/<name>", "name")
    assert router.match("/a/x") == ("name", {"name": "x"})


def test_build_refuses_a_url_that_another_rule_would_win() -> None:
    router = make_router(PRIORITY)
    assert router.build("string", name="ann") == "/user/ann"
    with pytest.raises(ConversionError, match="would reach 'static'"):
        router.build("string", name="me")
    with pytest.raises(ConversionError, match="would reach 'int'"):
        router.build("string", name="42")


def test_build_picks_the_rule_of_the_endpoint_that_takes_the_names() -> None:
    router = make_router([("/post/<int:n>", "post"), ("/post/<slug>/<int:n>", "post")])
    assert router.build("post", n=3) == "/post/3"
    assert router.build("post", slug="s", n=3) == "/post/s/3"
    with pytest.raises(TypeError, match="'post' takes"):
        router.build("post", m=3)
    with pytest.raises(LookupError, match="'nope'"):
        router.build("nope")


def test_build_tries_the_next_rule_of_the_endpoint() -> None:
    router = make_router([("/n/<int(max=9):n>", "n"), ("/big/<int:n>", "n")])
    assert router.build("n", n=5) == "/n/5"
    assert router.build("n", n=50) == "/big/50"


def test_build_gives_the_first_rules_reason() -> None:
    router = make_router([("/n/<int(max=9):n>", "n")])
    with pytest.raises(ConversionError, match="above the maximum"):
        router.build("n", n=50)


# Rules whose converters have no bounds, so that Werkzeug and safename both
# decide on the regex alone; paths made of segments both read alike or not.
POOL = [
    "/",
    "/about",
    "/user/me",
    "/user/",
    "/user/<int:id>",
    "/user/<name>",
    "/user/<name>/posts",
    "/user/<int:id>/posts/<int:post>",
    "/<lang>/about",
    "/<lang>/<page>",
    "/files/<path:p>",
    "/files/<path:p>/edit",
    "/<path:everything>",
    "/v<int:n>",
    "/v<float:f>",
    "/item/<uuid:u>",
    "/<any(a, b):ab>/x",
    "/page-<int:n>.html",
    "/page-<slug>.html",
    "/<a>-<b>",
    "/a/<x>/",
]
SEGMENTS = [
    *["user", "me", "42", "ann", "posts", "7", "en", "about", "files", "a", "b", "x"],
    *["edit", "v1", "v1.5", EXAMPLE_UUID_TEXT, "page-3.html", "page-x.html", "x-y", ""],
    *["007", "٣", "a.b", "..", "v-0", "1.50"],
]
paths = st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=4).map(
    lambda segments: "/" + "/".join(segments)
)
rule_sets = st.lists(st.sampled_from(POOL), min_size=1, max_size=10, unique=True).map(
    lambda rules: [(rule, f"e{index}") for index, rule in enumerate(rules)]
)


@pytest.mark.slow
@given(rules=rule_sets, path=paths)
def test_router_agrees_with_werkzeug(rules: list[tuple[str, str]], path: str) -> None:
    try:
        expected = werkzeug_match(rules, path)
    except RequestRedirect:
        return  # Werkzeug redirects to add a slash; safename only matches
    found = make_router(rules).match(path)
    event("no match" if expected is None else "a match")
    if expected is None:
        assert found is None
        return
    rule = next(rule for rule, endpoint in rules if endpoint == expected[0])
    if Pattern(rule).match(path) != expected[1]:
        event("a text only Werkzeug reads")
        return  # a non-canonical text ("007", "٣") that only Werkzeug reads
    assert found == expected


def reference_order(patterns: list[Pattern]) -> list[int]:
    """Werkzeug's ranking written out: part by part, static first, then by weight, then age."""
    first_seen: dict[tuple[Any, ...], int] = {}
    keys = []
    for order, pattern in enumerate(patterns):
        key: list[tuple[Any, ...]] = []
        prefix: tuple[Any, ...] = ()
        for part in pattern.parts:
            prefix = (*prefix, part.key())
            if part.static:
                key.append((0, part.content))
            else:
                key.append((1, part.weight, first_seen.setdefault(prefix, order)))
        key.append((2, order))
        keys.append(key)
    return sorted(range(len(patterns)), key=keys.__getitem__)


def reference_match(rules: list[tuple[str, str]], path: str) -> tuple[str, Any] | None:
    """The first rule in :func:`reference_order` whose pattern matches *path*: a plain scan."""
    patterns = [Pattern(rule, {"hex": HexConverter}) for rule, _ in rules]
    for index in reference_order(patterns):
        values = patterns[index].match(path)
        if values is not None:
            return rules[index][1], values
    return None


BOUNDED_POOL = [
    *POOL,
    "/<int(max=10):small>",
    "/<int(min=100):big>",
    "/user/<int(max=99):id>",
    "/<float(max=2.0):f>",
    "/dl/<filename:name>",
    "/user/<hex:h>",
]
bounded_rule_sets = st.lists(st.sampled_from(BOUNDED_POOL), min_size=1, max_size=12).map(
    lambda rules: [(rule, f"e{index}") for index, rule in enumerate(rules)]
)


@given(rules=bounded_rule_sets, path=paths | st.text().map(lambda text: "/" + text))
def test_router_returns_the_first_rule_in_werkzeugs_order_that_matches(
    rules: list[tuple[str, str]], path: str
) -> None:
    expected = reference_match(rules, path)
    event("no match" if expected is None else "a match")
    assert make_router(rules, converters={"hex": HexConverter}).match(path) == expected


@given(rules=rule_sets, data=st.data())
def test_every_url_the_router_builds_routes_back(rules: list[tuple[str, str]], data: Any) -> None:
    router = make_router(rules)
    rule, endpoint = data.draw(st.sampled_from(rules))
    pattern = Pattern(rule)
    values = data.draw(
        st.fixed_dictionaries(
            {name: typical_values(converter) for name, converter in pattern.converters.items()}
        )
    )
    try:
        url = router.build(endpoint, **values)
    except ConversionError:
        event("refused")
        return
    event("built")
    assert router.match(unquote(url)) == (endpoint, values)


def test_many_static_segments_below_a_variable() -> None:
    rules = [(f"/<lang>/page{number}/<int:n>", f"e{number}") for number in range(300)]
    rules += [("/<lang>/page1<x>/<int:n>", "x"), ("/<lang>/page/<int:n>", "bare")]
    router = make_router(rules)
    for path in ["/en/page0/1", "/en/page1/2", "/en/page17/3", "/en/page299/4", "/en/page1z/5"]:
        assert router.match(path) == werkzeug_match(rules, path)
    assert router.match("/en/page/6") == ("bare", {"lang": "en", "n": 6})
    assert router.match("/en/page17/x") is None
    assert router.match("/en/page300/7") is None


def test_a_wide_prefix_is_split_by_its_next_segments() -> None:
    rules = [(f"/api/v1/res{number}/<int:id>", f"e{number}") for number in range(200)]
    rules += [("/api/<version>/res1/<int:id>", "any version"), ("/<path:rest>", "rest")]
    router = make_router(rules)
    for path in ["/api/v1/res0/1", "/api/v1/res199/2", "/api/v2/res1/3", "/api/v1/res1/x", "/api"]:
        assert router.match(path) == werkzeug_match(rules, path)
    assert router.match("/api/v1/res1/4") == ("e1", {"id": 4})
    assert router.match("/api/v2/res1/5") == ("any version", {"version": "v2", "id": 5})


WIDE_SEGMENTS = ["api", "v1", "v2", "r1", "r7", "r70", "w1", "w70", "x", "5", "", "a-b"]


@pytest.mark.slow
@given(
    count=st.integers(60, 90),
    extra=st.lists(st.sampled_from(BOUNDED_POOL), max_size=6),
    path=st.lists(st.sampled_from(WIDE_SEGMENTS), min_size=1, max_size=5).map(
        lambda segments: "/" + "/".join(segments)
    ),
)
def test_a_wide_router_returns_the_first_rule_in_werkzeugs_order_that_matches(
    count: int, extra: list[str], path: str
) -> None:
    templates = ["/api/v1/r{}/<int:id>", "/api/<v>/r{}/x", "/api/v1/r{}-<a>", "/<lang>/w{}/<int:n>"]
    rules = [(t.format(number), f"e{number}_{t}") for number in range(count) for t in templates]
    rules += [(rule, f"extra{index}") for index, rule in enumerate(extra)]
    expected = reference_match(rules, path)
    assert make_router(rules, converters={"hex": HexConverter}).match(path) == expected


def test_many_rules_share_one_index() -> None:
    rules = [(f"/r{number}/<int:n>/<name>", f"e{number}") for number in range(300)]
    router = make_router(rules)
    for number in (0, 150, 299):
        assert router.match(f"/r{number}/5/x") == (f"e{number}", {"n": 5, "name": "x"})
    assert router.match("/r300/5/x") is None


# --- values that are not text, in `string` and `path` rules ---


@pytest.mark.parametrize(
    ("rule", "values", "path", "read_back"),
    [
        ("/item/<id>", {"id": 42}, "/item/42", {"id": "42"}),
        (
            "/item/<id>",
            {"id": EXAMPLE_UUID_TEXT},
            f"/item/{EXAMPLE_UUID_TEXT}",
            {"id": EXAMPLE_UUID_TEXT},
        ),
        (
            "/item/<id>",
            {"id": uuid.UUID(EXAMPLE_UUID_TEXT)},
            f"/item/{EXAMPLE_UUID_TEXT}",
            {"id": EXAMPLE_UUID_TEXT},
        ),
        ("/<a>-<int:b>", {"a": 1.5, "b": 2}, "/1.5-2", {"a": "1.5", "b": 2}),
        ("/files/<path:p>", {"p": PurePosixPath("a b/c")}, "/files/a%20b/c", {"p": "a b/c"}),
    ],
)
def test_builds_values_that_are_not_text_as_their_text(
    rule: str, values: dict[str, Any], path: str, read_back: dict[str, Any]
) -> None:
    assert Pattern(rule).build(**values) == path
    assert Pattern(rule).match(unquote(path)) == read_back
    router = make_router([(rule, "e")])
    assert router.build("e", **values) == path
    assert router.match(unquote(path)) == ("e", read_back)


@pytest.mark.parametrize(
    ("rules", "values", "problem"),
    [
        # "-" joins two texts that read back another way.
        (["/<a>-<b>"], {"a": 1, "b": -2}, "would not read back"),
        # /user/42 is the int rule's: the string rule cannot reach it.
        (["/user/<int:id>", "/user/<name>"], {"name": 42}, "would reach"),
        (["/user/<int:id>", "/user/<name>"], {"name": None}, "no value: None"),
    ],
)
def test_a_value_that_is_not_text_is_refused_where_its_text_would_not_route_back(
    rules: list[str], values: dict[str, Any], problem: str
) -> None:
    router = make_router([(rule, f"e{index}") for index, rule in enumerate(rules)])
    with pytest.raises(ConversionError, match=problem):
        router.build(f"e{len(rules) - 1}", **values)


@pytest.mark.parametrize("rule", ["/item/<id>", "/<a>-<int:b>/x", "/files/<path:p>.txt"])
@given(value=st.integers() | st.floats() | st.decimals() | st.uuids() | st.booleans())
def test_a_value_that_is_not_text_either_is_refused_or_reads_back_as_its_text(
    rule: str, value: object
) -> None:
    pattern = Pattern(rule)
    name = next(iter(pattern.converters))
    values = {name: value, **({"b": 3} if "b" in pattern.converters else {})}
    try:
        url = pattern.build(**values)
    except ConversionError:
        return
    assert pattern.match(unquote(url)) == {**values, name: str(value)}


class _Upper(StringConverter):
    def to_python(self, text: str) -> str:
        return text.upper()


class _Negative(FloatConverter):
    def to_python(self, text: str) -> float:
        return -float(text)


class _Tagged(PathConverter):
    def to_python(self, text: str) -> str:
        return f"path:{text}"


class _Doubled(IntConverter):
    def to_python(self, text: str) -> int:
        return 2 * int(text)


@pytest.mark.parametrize(
    ("converter", "path", "value"),
    [
        (_Upper, "/v/abc", "ABC"),
        (_Negative, "/v/1.5", -1.5),
        (_Tagged, "/v/a/b", "path:a/b"),
        (_Doubled, "/v/21", 42),
    ],
)
def test_a_subclass_that_reads_in_its_own_to_python_is_read_by_it(
    converter: type[Converter[Any]], path: str, value: object
) -> None:
    # As Werkzeug does: the router's fast readers are the built-in converters' own.
    router = Router({**DEFAULT_CONVERTERS, "mine": converter})
    router.add("/v/<mine:value>", "mine")
    assert router.match(path) == ("mine", {"value": value})
