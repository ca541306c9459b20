"""Time one match of hostile paths (ReDoS) against Werkzeug, Starlette and Django, as paths grow.

Run: ``python -m benchmarks.bench_adversarial`` (``--plot FILE`` also draws the
time per match against the path's length, on log-log axes).

Each family is a rule whose regex makes a backtracking engine try every split
of the path (the class of CVE-2024-45296), and a path of ``n`` characters
built to make it do so; the four routers match it at n = 1k, 2k, 4k and 8k.
A router is timed on shorter paths first (from 64 characters), and once a
match takes more than 2 s, or would by the growth seen so far, it is no
longer timed: its later times are extrapolated from the growth exponent of
its last two measures (``t ~ n^k``) and marked as such. The report's tables
give the time at 8k; the printed grid gives every length.

The cost families (:data:`COST_FAMILIES`) are the attacks on safename's own
matcher of its cost suite (``tests/test_cost.py``): bounded strings, many
rules whose bound refuses the value, a custom regex that backtracks. Each is
timed on the routers where it applies (Starlette and Django have no bounds
on their ``str`` converter); the custom regex, exponential for a
backtracking engine, is timed from 12 characters.
"""

from __future__ import annotations

import math
import re
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Final

from django.conf import settings
from django.urls import converters as django_converters
from django.urls.resolvers import RoutePattern
from matplotlib.figure import Figure
from starlette.convertors import CONVERTOR_TYPES, StringConvertor
from starlette.routing import Match, Route
from werkzeug.routing import BaseConverter, Map, Rule

from benchmarks._harness import Timing
from safename.routing import Router
from safename.routing.converters import Converter

#: The ReDoS families: a rule in Werkzeug's syntax, and a hostile path of about n characters.
FAMILIES: Final[dict[str, tuple[str, Callable[[int], str]]]] = {
    "two variables and separators in one segment": (
        "/<a>-<b>-<c>-<d>.txt",
        lambda n: "/" + "-" * n + "y",
    ),
    "four path converters": (
        "/<path:a>/<path:b>/<path:c>/<path:d>/x",
        lambda n: "/" + "a/" * (n // 2) + "y",
    ),
    "two path converters": ("/<path:a>/<path:b>/x", lambda n: "/" + "a/" * (n // 2)),
    "a digit run before two variables": ("/<int:a><b>-<c>", lambda n: "/" + "1" * n + "/"),
}
LENGTHS: Final = (1000, 2000, 4000, 8000)
#: Shorter paths, timed first to see a router's growth before it gets too slow.
WARM_UP: Final = (64, 128, 256, 512)
#: A router whose match takes longer is no longer timed.
LIMIT_SECONDS: Final = 2.0
_VARIABLE = re.compile(r"<(?:(\w+):)?(\w+)>")

Matcher = Callable[[str], object]
#: The custom regex of the cost suite: linear for safename, exponential for ``re`` on a...a!.
WORD_REGEX: Final = "(?i:(?:[a-z0-9]+-?)+)"


def _distinct(count: int) -> str:
    return "".join(chr(0x4E00 + number) for number in range(count))


@dataclass(frozen=True)
class CostFamily:
    """An attack of the cost suite: its rules, a path of n characters, where it applies."""

    rules: tuple[str, ...]
    make_path: Callable[[int], str]
    contenders: tuple[str, ...] = ("safename", "werkzeug", "starlette", "django")
    warm_up: tuple[int, ...] = ()


#: Every attack of the cost suite, with Werkzeug, Starlette and Django beside where they apply.
COST_FAMILIES: Final[dict[str, CostFamily]] = {
    "1: two bounded strings, a flood of dashes": CostFamily(
        ("/s/<string(maxlength=2000):a>-<string(maxlength=2000):b>.txt",),
        lambda n: "/s/" + "-" * n + ".txt",
        ("safename", "werkzeug"),
    ),
    "2: two strings of maxlength 65535": CostFamily(
        ("/w/<string(maxlength=65535):a>-<string(maxlength=65535):b>",),
        lambda n: "/w/" + "-" * n,
        ("safename", "werkzeug"),
    ),
    "3: two strings of minlength 1000": CostFamily(
        ("/m/<string(minlength=1000):a>-<string(minlength=1000):b>",),
        lambda n: "/m/" + "-" * (n + 2001),
        ("safename", "werkzeug"),
    ),
    "4: distinct characters in two variables": CostFamily(
        ("/dl/<a>-<b>",), lambda n: "/dl/" + _distinct(n // 2) + "-" + _distinct(n // 2)
    ),
    "5: 1,000 rules whose bound refuses the value": CostFamily(
        tuple(f"/x/<a>-<b>-<int(max={bound}):n>" for bound in range(1000)),
        lambda n: "/x/" + "-" * n + "-1000",
        ("safename", "werkzeug"),
    ),
    "6: a custom regex that backtracks": CostFamily(
        ("/c/<word:a>.<b>",),
        lambda n: "/c/" + "a" * n + "!.b",
        warm_up=(12, 16, 20, 24),
    ),
}


class Word(Converter[str]):
    """The custom regex, as a safename converter."""

    regex = WORD_REGEX

    def to_python(self, text: str) -> str:
        return text

    def to_url(self, value: str) -> str:
        return value


class WerkzeugWord(BaseConverter):
    """The custom regex, as a Werkzeug converter."""

    regex = WORD_REGEX


class StarletteWord(StringConvertor):
    """The custom regex, as a Starlette convertor."""

    regex = WORD_REGEX


class DjangoWord:
    """The custom regex, as a Django converter."""

    regex = WORD_REGEX

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


def cost_matchers(rules: Sequence[str], contenders: Sequence[str]) -> dict[str, Matcher]:
    """The match of *rules* by each of *contenders*, with the custom converter ``word``."""
    CONVERTOR_TYPES.setdefault("word", StarletteWord())
    if not settings.configured:
        settings.configure()
    django_converters.register_converter(DjangoWord, "word")
    makers: dict[str, Callable[[Sequence[str]], Matcher]] = {
        "safename": _safename_rules,
        "werkzeug": _werkzeug_rules,
        "starlette": _starlette_rules,
        "django": _django_rules,
    }
    return {name: makers[name](rules) for name in contenders}


def _safename_rules(rules: Sequence[str]) -> Matcher:
    router = Router({"word": Word})
    for number, rule in enumerate(rules):
        router.add(rule, f"r{number}")
    return router.match


def _werkzeug_rules(rules: Sequence[str]) -> Matcher:
    bound = Map(
        [Rule(rule, endpoint=f"r{number}") for number, rule in enumerate(rules)],
        converters={"word": WerkzeugWord},
    ).bind("localhost")

    def match(path: str) -> object:
        try:
            return bound.match(path)
        except Exception:  # NotFound, or a redirect: no match either way
            return None

    return match


def _starlette_rules(rules: Sequence[str]) -> Matcher:
    matchers = [starlette_matcher(rule) for rule in rules]
    return lambda path: any(match(path) for match in matchers)


def _django_rules(rules: Sequence[str]) -> Matcher:
    matchers = [django_matcher(rule) for rule in rules]
    return lambda path: any(match(path) is not None for match in matchers)


def measure_cost_families() -> dict[str, list[Growth]]:
    """Every router's growth on every cost family where it applies."""
    results = {}
    for family, found in COST_FAMILIES.items():
        matchers = cost_matchers(found.rules, found.contenders)
        results[family] = [
            growth(NAMES[name], matchers[name], found.make_path, found.warm_up or WARM_UP)
            for name in found.contenders
        ]
    return results


def safename_matcher(rule: str) -> Callable[[str], object]:
    router = Router()
    router.add("/user/<int:user_id>", "user")
    router.add(rule, "family")
    return router.match


def werkzeug_matcher(rule: str) -> Callable[[str], object]:
    adapter = Map([Rule("/user/<int:user_id>", endpoint="user"), Rule(rule, endpoint="family")])
    bound = adapter.bind("localhost")

    def match(path: str) -> object:
        try:
            return bound.match(path)
        except Exception:  # NotFound, or a redirect: no match either way
            return None

    return match


def starlette_matcher(rule: str) -> Callable[[str], object]:
    names = {None: "", "int": ":int", "path": ":path", "word": ":word"}
    route = Route(
        _VARIABLE.sub(lambda found: f"{{{found[2]}{names[found[1]]}}}", rule), lambda _: None
    )

    def match(path: str) -> object:
        scope = {"type": "http", "path": path, "method": "GET", "root_path": ""}
        return route.matches(scope)[0] is Match.FULL

    return match


def django_matcher(rule: str) -> Callable[[str], object]:
    if not settings.configured:  # Django's patterns read the active language
        settings.configure()
    route = _VARIABLE.sub(lambda found: f"<{found[1] or 'str'}:{found[2]}>", rule)
    pattern = RoutePattern(route[1:], is_endpoint=True)  # Django's routes have no leading "/"

    def match(path: str) -> object:
        return pattern.match(path[1:])

    return match


NAMES: Final = {
    "safename": "safename Router.match",
    "werkzeug": "werkzeug MapAdapter.match",
    "starlette": "starlette Route.matches",
    "django": "django RoutePattern.match",
}
CONTENDERS: Final = {
    "safename Router.match": safename_matcher,
    "werkzeug MapAdapter.match": werkzeug_matcher,
    "starlette Route.matches": starlette_matcher,
    "django RoutePattern.match": django_matcher,
}


@dataclass(frozen=True)
class Growth:
    """One router's time per match on one family, by path length, measured or extrapolated."""

    name: str
    seconds: dict[int, float]
    measured: frozenset[int]
    exponent: float

    def label(self) -> str:
        """The router's name, its growth exponent, and whether the 8k time is extrapolated."""
        return f"{self.name} ({self.note()})"

    def note(self) -> str:
        """The growth exponent, and whether the 8k time is extrapolated."""
        guessed = "" if LENGTHS[-1] in self.measured else ", extrapolated"
        return f"n^{self.exponent:.1f}{guessed}"


def time_one(match: Callable[[str], object], path: str) -> float:
    """Seconds per match of *path*: the best of a few runs, enough to read small times."""
    best = math.inf
    runs = 0
    started = time.perf_counter()
    while runs < 3 or (time.perf_counter() - started < 0.05 and runs < 1000):
        start = time.perf_counter()
        match(path)
        best = min(best, time.perf_counter() - start)
        runs += 1
        if best > LIMIT_SECONDS / 4:
            break  # one slow run says enough
    return best


def growth(
    name: str,
    match: Callable[[str], object],
    make_path: Callable[[int], str],
    warm_up: tuple[int, ...] = WARM_UP,
) -> Growth:
    """Time *match* on growing paths until it gets too slow, then extrapolate."""
    seconds: dict[int, float] = {}
    lengths = (*warm_up, *LENGTHS)
    for index, length in enumerate(lengths):
        if index >= 2 and _predicted(seconds, lengths[index - 2], lengths[index - 1], length) > (
            LIMIT_SECONDS
        ):
            break
        seconds[length] = time_one(match, make_path(length))
        if seconds[length] > LIMIT_SECONDS:
            break
    measured = frozenset(seconds)
    last = max(seconds)
    # The growth over the reported lengths, or over the last three measures
    # of a router that was stopped before: a fit, less noisy than two points.
    exponent = fitted(seconds, [n for n in sorted(seconds) if n in LENGTHS or n == last][-4:])
    if last < LENGTHS[-1]:
        exponent = fitted(seconds, sorted(seconds)[-3:])
    for length in LENGTHS:
        if length not in seconds:
            seconds[length] = seconds[last] * math.pow(length / last, exponent)
    return Growth(name, seconds, measured, exponent)


def _exponent(seconds: dict[int, float], shorter: int, longer: int) -> float:
    return fitted(seconds, [shorter, longer])


def fitted(seconds: dict[int, float], lengths: Sequence[int]) -> float:
    """The least-squares slope of log(time) against log(length): ``k`` in ``t ~ n^k``."""
    xs = [math.log(length) for length in lengths]
    ys = [math.log(max(seconds[length], 1e-9)) for length in lengths]
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return 0.0  # one length: no growth to see
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def _predicted(seconds: dict[int, float], shorter: int, longer: int, length: int) -> float:
    exponent = max(_exponent(seconds, shorter, longer), 1.0)
    return seconds[longer] * math.pow(length / longer, exponent)


def measure() -> dict[str, list[Growth]]:
    """Every router's growth on every family."""
    results = {}
    for family, (rule, make_path) in FAMILIES.items():
        results[family] = [
            growth(name, make_matcher(rule), make_path) for name, make_matcher in CONTENDERS.items()
        ]
    return results


def print_grid(results: dict[str, list[Growth]]) -> None:
    """Every time, by length: ``~`` marks an extrapolated one."""
    for family, growths in results.items():
        rules = FAMILIES[family][0] if family in FAMILIES else COST_FAMILIES[family].rules[-1]
        print(f"\n{family}: {rules}")
        print(f"  {'':34}" + "".join(f"{length:>14}" for length in LENGTHS) + "   exponent")
        for found in growths:
            cells = "".join(f"{_cell(found, length):>14}" for length in LENGTHS)
            print(f"  {found.name:34}{cells}   {found.exponent:8.2f}")


def _cell(found: Growth, length: int) -> str:
    return ("" if length in found.measured else "~") + _duration(found.seconds[length])


def _duration(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.1f} ms"
    if seconds < 3600 * 24:
        return f"{seconds:.3g} s"
    return f"{seconds / (3600 * 24):.3g} days"


def run() -> list[tuple[str, list[Timing]]]:
    """One table per family: each router's time per match at 8k characters."""
    results = {**measure(), **measure_cost_families()}
    print_grid(results)
    return [
        (
            f"one hostile match, 8k characters: {family}",
            [Timing(found.name, found.seconds[LENGTHS[-1]], 1, found.note()) for found in growths],
        )
        for family, growths in results.items()
    ]


def plot(results: dict[str, list[Growth]], path: str) -> None:
    """Time per match against length, log-log, one panel per family; dashes: extrapolated."""
    figure = Figure(figsize=(10, 7), layout="constrained")
    panels = list(figure.subplots(2, 2, squeeze=False).flat)
    for panel, (family, growths) in zip(panels, results.items(), strict=False):
        for colour, found in enumerate(growths):
            lengths = sorted(found.seconds)
            measured = [length for length in lengths if length in found.measured]
            guessed = [length for length in lengths if length >= max(measured)]
            panel.plot(measured, [found.seconds[n] for n in measured], "o-", color=f"C{colour}")
            panel.plot(guessed, [found.seconds[n] for n in guessed], "x--", color=f"C{colour}")
            panel.plot([], [], "o-", color=f"C{colour}", label=found.label())
        panel.axhline(LIMIT_SECONDS, color="grey", linewidth=0.6)
        panel.set_xscale("log", base=2)
        panel.set_yscale("log")
        panel.set_title(f"{family}\n{FAMILIES[family][0]}", fontsize=8)
        panel.set_xlabel("path length (characters)", fontsize=7)
        panel.set_ylabel("seconds per match", fontsize=7)
        panel.legend(fontsize=6)
    figure.savefig(path, dpi=100)


def main(argv: Sequence[str]) -> None:
    results = measure()
    print_grid(results)
    print_grid(measure_cost_families())
    if "--plot" in argv:
        plot(results, argv[argv.index("--plot") + 1])


if __name__ == "__main__":
    main(sys.argv[1:])
