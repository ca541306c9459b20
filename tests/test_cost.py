"""Every routing entry point that reads untrusted input does linear work, counted.

Each family is an attack on one entry point, at sizes n, 2n, 4n, 8n; a
doubling may not cost more than ~2.5 times the work (see cost_support). The
work is counted in both builds: Python lines, and the steps the linear-time
matchers count themselves, which is what the compiled build runs in C.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

import pytest
from cost_support import assert_linear, matcher_steps
from flask import Flask
from werkzeug.exceptions import NotFound
from werkzeug.routing import BaseConverter

from safename import safe_join, secure_filename, validate_filename
from safename.errors import UnsupportedRegexError
from safename.flask import SafeName
from safename.routing import Pattern, Router
from safename.routing.converters import DEFAULT_CONVERTERS, Converter

Make = Callable[[int], Callable[[], object]]


def _router(*rules: str) -> Router:
    router = Router()
    for number, rule in enumerate(rules):
        router.add(rule, f"e{number}")
    return router


BOUNDED = _router("/s/<string(maxlength=2000):a>-<string(maxlength=2000):b>.txt")
WIDE = _router("/w/<string(maxlength=65535):a><string(maxlength=65535):b>x")
LONG = _router("/m/<string(minlength=100):a>-<string(minlength=100):b>")
# Bounds above the largest size, so that every size reaches the matcher.
FILES = _router("/dl/<filename(max_length=4000):a>-<filename(max_length=4000):b>")
MANY = _router(*(f"/x/<a>-<b>-<int(max={number}):n>" for number in range(200)))


class Slug(Converter[str]):
    """The docs' example of a regex that backtracking engines read in exponential time."""

    regex = "(a+)+b"

    def to_python(self, text: str) -> str:
        return text

    def to_url(self, value: str) -> str:
        return value


SLUGS = Router({"slug": Slug})
SLUGS.add("/g/<slug:s>-<t>", "slug")
SUFFIXED = Pattern("/f/<path:p>.<ext>")


class Word(BaseConverter):
    """A custom regex of the issue, exponential for Werkzeug's own matcher on ``a...a!``."""

    regex = "(?i:(?:[a-z0-9]+-?)+)"


def _flask_app() -> Any:
    app = Flask(__name__)
    SafeName(app)
    app.url_map.converters["word"] = Word
    for number, rule in enumerate(
        [
            "/s/<string(maxlength=2000):a>-<string(maxlength=2000):b>.txt",
            "/m/<string(minlength=10):a>-<string(minlength=10):b>",
            "/c/<word:a>.<b>",
            *(f"/x/<a>-<b>-<int(max={bound}):n>" for bound in range(50)),
        ]
    ):
        app.add_url_rule(rule, f"e{number}", lambda **values: "")
    return app.url_map.bind("localhost")


FLASK = _flask_app()


def _flask_match(path: str) -> object:
    try:
        return FLASK.match(path)
    except NotFound:
        return None  # an answer: its cost counts as well


def _thrash_then_match(size: int) -> Callable[[], object]:
    # Distinct characters fill the shared DFA; the benign match after must stay linear.
    for offset in range(40):
        FILES.match("/dl/" + "".join(chr(0x4E00 + offset * 64 + n % 64) for n in range(64)))
    return lambda: FILES.match("/dl/" + "a" * size + "-" + "b" * size)


def _each(method: str, text: str) -> None:
    for name, converter in DEFAULT_CONVERTERS.items():
        made: Any = converter("a", "b") if name == "any" else converter()  # type: ignore[call-arg]
        with contextlib.suppress(ValueError):  # a refusal is an answer
            getattr(made, method)(text)


FAMILIES: dict[str, Make] = {
    "1: two bounded strings, a flood of dashes": lambda n: (
        lambda: BOUNDED.match("/s/" + "-" * n + ".txt")
    ),
    "2: two strings of maxlength 65535": lambda n: lambda: WIDE.match("/w/" + "a" * n + "x"),
    "3: two strings of minlength 100": lambda n: lambda: LONG.match("/m/" + "-" * n),
    "4: a benign match after texts of distinct characters": _thrash_then_match,
    "5: many rules whose bound refuses the value": lambda n: (
        lambda: MANY.match("/x/" + "-" * n + "-1000")
    ),
    "6: a custom regex that backtracks": lambda n: lambda: SLUGS.match("/g/" + "a" * n + "-x"),
    "a path variable then a suffix": lambda n: lambda: SUFFIXED.match("/f/" + "a." * n),
    "the Flask matcher: two bounded strings": lambda n: (
        lambda: _flask_match("/s/" + "-" * n + ".txt")
    ),
    "the Flask matcher: two strings of minlength 10": lambda n: (
        lambda: _flask_match("/m/" + "-" * n)
    ),
    "the Flask matcher: a custom regex that backtracks": lambda n: (
        lambda: _flask_match("/c/" + "a" * n + "!.b")
    ),
    "the Flask matcher: rules whose bound refuses the value": lambda n: (
        lambda: _flask_match("/x/" + "-" * n + "-1000")
    ),
    "every converter's to_python": lambda n: lambda: _each("to_python", "9" * n),
    "every converter's to_url": lambda n: lambda: _each("to_url", "a" * n),
    "secure_filename": lambda n: lambda: secure_filename("../" * n + "\u202e.txt"),
    "validate_filename": lambda n: lambda: validate_filename("a" * n + " ."),
    "safe_join": lambda n: lambda: safe_join("/srv", "a/" * n + ".."),
}


MATCHED = [name for name in FAMILIES if name[0].isdigit() or "matcher" in name or "path" in name]


@pytest.mark.parametrize("family", MATCHED)
def test_the_count_sees_the_matcher_read_the_whole_path(family: str) -> None:
    # In the compiled build the matchers' loops are C: their own steps are the
    # count, so it must see them read every character of the attack.
    assert matcher_steps(FAMILIES[family](1000)) >= 1000


@pytest.mark.parametrize("family", list(FAMILIES))
def test_each_entry_point_does_linear_work(family: str) -> None:
    # Above every length limit, so that no doubling crosses one.
    sizes = (1000, 2000, 4000, 8000) if family.startswith("every") else (250, 500, 1000, 2000)
    assert_linear(family, FAMILIES[family], sizes=sizes)


def test_a_custom_regex_outside_the_linear_subset_is_refused() -> None:
    class Behind(Converter[str]):
        regex = "(?:[a-z0-9]+-?)+(?<=[a-z0-9])"

        def to_python(self, text: str) -> str:
            return text

    with pytest.raises(UnsupportedRegexError) as refused:
        Pattern("/p/<behind:x>-<y>", {"behind": Behind})
    assert (refused.value.variable, refused.value.construct) == ("x", "a look-behind")

    class Trusted(Behind):
        trusted_regex = True

    assert Pattern("/p/<t:x>", {"t": Trusted}).match("/p/ab-c") == {"x": "ab-c"}


def test_inline_flags_join_the_linear_engine() -> None:
    class Word(Converter[str]):
        regex = "(?i:(?:[a-z0-9]+-?)+)"

        def to_python(self, text: str) -> str:
            return text

    router = Router({"word": Word})
    router.add("/w/<word:a>.<b>", "w")
    assert router.match("/w/Ab-C.d") == ("w", {"a": "Ab-C", "b": "d"})
    assert_linear("(?i) custom", lambda n: lambda: router.match("/w/" + "a-" * n + "!"))
