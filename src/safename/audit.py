"""Find the routes of a Flask, Starlette/FastAPI or Django app that one URL can slow down.

Every one of these frameworks matches a route with Python's backtracking
``re``. A route with two variables in one segment whose texts can run into
the literal between them (``/<a>-<b>.txt``), or with several variables that
cross slashes (``/<path:a>/<path:b>/x``), then takes time that grows faster
than the URL: quadratic or worse, seconds for a few kilobytes.

:func:`audit` checks each route in two steps, so that a safe route is never
flagged:

1. **Candidates**, from the route's structure: two neighbouring variables
   that both accept a repeated *pump* text (the literal between them, or
   ``a``, ``1``, ``a/``...) that holds that literal.
2. **Witness**, by measurement: the route's lead text, the pump repeated,
   and a character that makes the match fail at the end. The framework's own
   matcher is timed on it at a length ``n`` (doubled until it takes at least
   :data:`MIN_SECONDS`) and at ``2n``. The route is flagged only if the time
   grows by :data:`SUPERLINEAR_GROWTH` or more: a linear matcher doubles.

For a Flask app the same witness is then timed with safename's matcher
(:mod:`safename._werkzeug_matcher`, which ``SafeName(app)`` installs): that
is whether safename removes the problem. Starlette and Django keep their own
matchers (safename's converters there do not change the regex shape), so the
finding says what to change in the route instead.

``safename audit-routes TARGET`` is the command (``--json``, ``--django``).

>>> from flask import Flask
>>> app = Flask("example")
>>> app.add_url_rule("/user/<int:user_id>", "user")
>>> app.add_url_rule("/d/<a>-<b>-<c>.txt", "d")
>>> [(finding.route, finding.superlinear) for finding in audit(app)]
[('/static/<path:filename>', False), ('/user/<int:user_id>', False), ('/d/<a>-<b>-<c>.txt', True)]
"""

from __future__ import annotations

import argparse
import importlib
import itertools
import json
import os
import re
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Final

from safename._extras import require
from safename.errors import SafenameError

__all__ = [
    "MIN_SECONDS",
    "SUPERLINEAR_GROWTH",
    "Measurement",
    "Route",
    "RouteFinding",
    "SlowRouteError",
    "audit",
    "audit_django",
    "check_route",
    "configure_parser",
    "measure",
    "run_command",
]

#: The growth of the time, from ``n`` to ``2n``, that flags a route (linear: 2).
SUPERLINEAR_GROWTH: Final = 3.0
#: The shorter witness is lengthened until the framework takes this long on it.
MIN_SECONDS: Final = 0.005
#: The most repeats of the pump tried before a route is taken for fast.
MAX_REPEATS: Final = 8192

# Texts tried as the repeated part of a witness, besides the literals between variables.
_PUMPS: Final = ("a", "1", "-", ".", "a/", "1/", "a-")
# Texts tried after the repeats, to make the match fail only at the very end.
_BREAKERS: Final = ("y", "", "/", "!", "/y")
# Values tried for the variables before the pumped ones.
_SAMPLES: Final = ("a", "1", "1.0", "00000000-0000-0000-0000-000000000000")

#: A route as a sequence of literal texts and variable regexes (``None``, regex).
Pieces = Sequence[tuple[str | None, str]]
#: Runs the framework's matcher on a path; what it answers does not matter.
Probe = Callable[[str], object]


@dataclass(frozen=True)
class Measurement:
    """A witness path timed at two lengths.

    :ivar path: the witness at the longer length.
    :ivar lengths: the path's length in characters, shorter then longer.
    :ivar seconds: the time of one match at each length.
    :ivar shorter_path: the witness at the shorter length.
    """

    path: str
    lengths: tuple[int, int]
    seconds: tuple[float, float]
    shorter_path: str = ""

    @property
    def growth(self) -> float:
        """How much longer the longer path took: 2 for a linear matcher, 4 for a quadratic one."""
        return self.seconds[1] / max(self.seconds[0], 1e-9)


@dataclass(frozen=True)
class RouteFinding:
    """What :func:`audit` found for one route.

    :ivar superlinear: the framework's matcher took time growing faster than
        linearly on the witness (``witness.growth >= SUPERLINEAR_GROWTH``).
    :ivar candidate: why the structure made the route a candidate, or ``""``.
    :ivar witness: the measurement on the framework's matcher, if one was made.
    :ivar with_safename: the same witness with safename's matcher (Flask only).
    :ivar safename_fixes: whether safename's matcher removes the problem: it
        reads every part of the route in linear time, by construction (``None``
        where it does not apply: no problem, or not Flask).
    :ivar protected: the app already matches with safename's matcher, which
        removes the problem: the route is not a finding (:attr:`exposed`).
    :ivar advice: what to change, for a flagged route.
    """

    framework: str
    route: str
    endpoint: str
    superlinear: bool
    candidate: str = ""
    witness: Measurement | None = None
    with_safename: Measurement | None = None
    safename_fixes: bool | None = None
    protected: bool = False
    advice: str = ""

    @property
    def exposed(self) -> bool:
        """Whether the route is a finding: superlinear, and not protected by safename's matcher."""
        return self.superlinear and not self.protected

    def to_json(self) -> dict[str, Any]:
        """The finding as plain JSON data (``growth`` added to each measurement)."""
        data = asdict(self)
        for key in ("witness", "with_safename"):
            measured = getattr(self, key)
            if measured is not None:
                data[key]["growth"] = round(measured.growth, 2)
        return data


@dataclass(frozen=True)
class Route:
    """A route as :func:`check_route` reads it: its pieces and a probe of each matcher.

    :ivar pieces: the whole path, literal texts and variable regexes in order.
    :ivar probe: runs the framework's matcher on a path.
    :ivar safe_probe: runs safename's matcher on a path, where it applies.
    :ivar safename_linear: whether safename's matcher provably reads every
        part of the route in linear time (its NFA, or ``re`` on one variable of
        a built-in converter); ``None`` where it does not apply.
    :ivar protected: the app already matches with safename's matcher, which
        reads the route in linear time.
    :ivar advice: what to change if the route is flagged.
    """

    framework: str
    text: str
    endpoint: str
    pieces: Pieces
    probe: Probe
    safe_probe: Probe | None = None
    safename_linear: bool | None = None
    protected: bool = False
    advice: str = ""


class SlowRouteError(SafenameError):
    """A route whose matching time a URL can make grow faster than linearly.

    Raised by ``SafeName(app)`` with ``SAFENAME_AUDIT = "raise"`` and Werkzeug's matcher.

    :ivar finding: the :class:`RouteFinding`, with its witness.
    """

    def __init__(self, finding: RouteFinding) -> None:
        super().__init__(" ".join(report_lines([finding])[1:-1]).strip() or finding.route)
        self.finding = finding


def audit(target: Any) -> list[RouteFinding]:
    """Audit every route of a Flask app, a Werkzeug ``Map`` or a Starlette/FastAPI app.

    :raises TypeError: for an object that is none of these.
    """
    if hasattr(target, "url_map"):
        target = target.url_map
    if hasattr(target, "iter_rules") and hasattr(target, "_matcher"):
        flask = importlib.import_module("safename._werkzeug_matcher")
        return [check_route(route) for route in flask.audit_routes(target)]
    if hasattr(target, "routes"):
        return [check_route(route) for route in _starlette_routes(target.routes, "")]
    raise TypeError(f"cannot audit {target!r}: not a Flask, Starlette or FastAPI app")


def audit_django(urlconf: str | None = None) -> list[RouteFinding]:
    """Audit the routes of a Django URLconf (the settings' ``ROOT_URLCONF`` by default).

    Django must be configured (``DJANGO_SETTINGS_MODULE``, ``django.setup()``).
    A ``re_path`` route is listed without a check: its regex is the author's own.
    """
    urls = require("django.urls", "django")
    resolver = urls.get_resolver(urlconf)

    def probe(path: str) -> object:
        try:
            return resolver.resolve(path)
        except urls.Resolver404:
            return None

    return [check_route(route) for route in _django_routes(resolver.url_patterns, [], probe)]


def check_route(route: Route) -> RouteFinding:
    """The finding for one route: candidate by structure, confirmed by measurement."""
    found = RouteFinding(route.framework, route.text, route.endpoint, superlinear=False)
    candidates = list(_witnesses(route.pieces))
    if not candidates:
        return found
    reason, witness = max(candidates, key=lambda pair: _seconds(route.probe, pair[1](32)))
    measured = _growth(route.probe, witness)
    flagged = measured.growth >= SUPERLINEAR_GROWTH and measured.seconds[1] >= MIN_SECONDS
    if not flagged:
        return RouteFinding(**{**asdict(found), "candidate": reason, "witness": measured})
    with_safename = None if route.safe_probe is None else _growth(route.safe_probe, witness)
    # A guarantee by construction, not a timing: the measurement is shown, not trusted.
    fixes = route.safename_linear
    return RouteFinding(
        route.framework,
        route.text,
        route.endpoint,
        superlinear=True,
        candidate=reason,
        witness=measured,
        with_safename=with_safename,
        safename_fixes=fixes,
        protected=route.protected,
        advice=route.advice,
    )


def _witnesses(pieces: Pieces) -> Iterator[tuple[str, Callable[[int], str]]]:
    """For each neighbouring pair of variables that can share a pump: why, and the witness."""
    variables = [(index, regex) for index, (text, regex) in enumerate(pieces) if text is None]
    for (first, first_regex), (second, second_regex) in itertools.pairwise(variables):
        between = "".join(text or "" for text, _ in pieces[first + 1 : second])
        before = "".join(
            text if text is not None else _sample(regex) for text, regex in pieces[:first]
        )
        for pump in dict.fromkeys([between, *_PUMPS]):
            takes = pump and (not between or between in pump * 2)
            if takes and _accepts(first_regex, pump) and _accepts(second_regex, pump):
                reason = f"two variables take {pump!r} repeated" + (
                    f" and the {between!r} between them" if between else ""
                )
                for breaker in _BREAKERS:
                    yield reason, _witness(before, pump, breaker)


def _witness(before: str, pump: str, breaker: str) -> Callable[[int], str]:
    def make(repeats: int) -> str:
        return before + pump * repeats + breaker

    return make


def _accepts(regex: str, pump: str) -> bool:
    try:
        compiled = re.compile(regex)
    except re.error:
        return False
    return any(compiled.fullmatch(text) for text in (pump * 3, (pump * 3)[:-1]) if text)


def _sample(regex: str) -> str:
    for text in _SAMPLES:
        if re.fullmatch(regex, text):
            return text
    return "a"


def _seconds(probe: Probe, path: str) -> float:
    """The shortest of a few timings of one match (one if it is slow): the least disturbed."""
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        probe(path)
        best = min(best, time.perf_counter() - start)
        if best > 0.05:
            break
    return best


def _growth(probe: Probe, witness: Callable[[int], str]) -> Measurement:
    repeats = 32
    seconds = _seconds(probe, witness(repeats))
    while seconds < MIN_SECONDS and repeats < MAX_REPEATS:
        repeats *= 2
        seconds = _seconds(probe, witness(repeats))
    measured = measure(probe, witness(repeats), witness(2 * repeats))
    if 2.0 < measured.growth < SUPERLINEAR_GROWTH and measured.seconds[1] < 0.2:
        # Close to the line: one more doubling, where a superlinear time shows more clearly.
        measured = measure(probe, witness(2 * repeats), witness(4 * repeats))
    return measured


def measure(probe: Probe, shorter: str, longer: str) -> Measurement:
    """Time *probe* on two paths, in turns so that a busy machine slows both alike.

    Each time is the least of up to five runs (fewer once the longer takes 50 ms).

    >>> measured = measure(len, "a" * 10, "a" * 20)
    >>> measured.lengths, measured.path == "a" * 20
    ((10, 20), True)
    """
    best = [float("inf"), float("inf")]
    for _ in range(5):
        for index, path in enumerate((shorter, longer)):
            start = time.perf_counter()
            probe(path)
            best[index] = min(best[index], time.perf_counter() - start)
        if best[1] > 0.05:
            break
    return Measurement(longer, (len(shorter), len(longer)), (best[0], best[1]), shorter)


# --- the routes of each framework ---------------------------------------------------------------

_STARLETTE_PARAMETER: Final = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_][a-zA-Z0-9_]*)?}")
_DJANGO_PARAMETER: Final = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<parameter>[^>]+)>")
_ADVICE: Final = (
    "{framework} matches this route with one backtracking regex, and safename's converters "
    "keep its shape: put each variable in its own segment, or make the text between two "
    "variables one the first cannot contain (an int before '-', a fixed suffix after a "
    "slug), or match the route with safename.Router"
)


def _starlette_routes(routes: Sequence[Any], prefix: str) -> Iterator[Route]:
    for route in routes:
        path = prefix + getattr(route, "path", "")
        if hasattr(route, "routes") and not hasattr(route, "endpoint"):
            yield from _starlette_routes(route.routes, path)
            continue
        convertors = getattr(route, "param_convertors", None)
        if convertors is None:
            continue
        own_regex = route.path_regex

        def probe(text: str, regex: Any = own_regex, mount: str = prefix) -> object:
            # Starlette matches a mount's prefix, then the route on the rest of the path.
            return regex.match(text.removeprefix(mount))

        pieces: list[tuple[str | None, str]] = []
        position = 0
        for parameter in _STARLETTE_PARAMETER.finditer(path):
            pieces.append((path[position : parameter.start()], ""))
            pieces.append((None, convertors[parameter[1]].regex))
            position = parameter.end()
        pieces.append((path[position:], ""))
        yield Route(
            "starlette",
            path,
            getattr(route, "name", "") or "",
            pieces,
            probe,
            advice=_ADVICE.format(framework="Starlette"),
        )


def _django_routes(patterns: Sequence[Any], above: list[Any], probe: Probe) -> Iterator[Route]:
    for entry in patterns:
        chain = [*above, entry.pattern]
        if hasattr(entry, "url_patterns"):
            yield from _django_routes(entry.url_patterns, chain, probe)
            continue
        text = "/" + "".join(str(pattern) for pattern in chain)
        name = getattr(entry, "name", None) or ""
        if not all(hasattr(pattern, "converters") for pattern in chain):
            yield Route("django", text, name, [], probe)  # re_path: its own regex, not read
            continue
        pieces: list[tuple[str | None, str]] = [("/", "")]
        for pattern in chain:
            route = str(pattern)
            position = 0
            for parameter in _DJANGO_PARAMETER.finditer(route):
                pieces.append((route[position : parameter.start()], ""))
                pieces.append((None, pattern.converters[parameter["parameter"]].regex))
                position = parameter.end()
            pieces.append((route[position:], ""))
        yield Route("django", text, name, pieces, probe, advice=_ADVICE.format(framework="Django"))


# --- the command --------------------------------------------------------------------------------


class _UsageError(Exception):
    """The target could not be loaded: exit status 2."""


def configure_parser(parser: argparse.ArgumentParser) -> None:
    """The options of ``safename audit-routes``."""
    parser.description = (
        "Report the routes whose matching time a URL can make grow faster than linearly, "
        "each with a witness URL timed at two lengths. Exit status: 0 clean, 1 findings, "
        "2 usage error."
    )
    parser.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="package.module:attr, a Flask, Starlette or FastAPI app or a factory of one",
    )
    parser.add_argument("--django", metavar="SETTINGS_MODULE", help="audit a Django URLconf")
    parser.add_argument("--json", action="store_true", help="print the findings as JSON")


def run_command(parser: argparse.ArgumentParser, arguments: argparse.Namespace) -> int:
    """Run ``safename audit-routes``: 0 when clean, 1 with findings (``parser.error``: 2)."""
    if (arguments.target is None) == (arguments.django is None):
        parser.error("give either TARGET or --django SETTINGS_MODULE")
    try:
        findings = _load_and_audit(arguments.target, arguments.django)
    except _UsageError as error:
        parser.error(str(error))
    if arguments.json:
        print(json.dumps([finding.to_json() for finding in findings], indent=2))
    else:
        for line in report_lines(findings):
            print(line)
    return 1 if any(finding.exposed for finding in findings) else 0


def _load_and_audit(target: str | None, django_settings: str | None) -> list[RouteFinding]:
    if django_settings is not None:
        os.environ["DJANGO_SETTINGS_MODULE"] = django_settings
        try:
            require("django", "django").setup()
        except (ImportError, ValueError) as error:
            raise _UsageError(f"cannot set up Django with {django_settings!r}: {error}") from None
        return audit_django()
    app = _load(target or "")
    try:
        return audit(app)
    except TypeError as error:
        raise _UsageError(str(error)) from None


def _load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise _UsageError(f"TARGET must be package.module:attr, got {target!r}")
    sys.path.insert(0, os.getcwd())
    try:
        found: Any = importlib.import_module(module_name)
        for name in attribute.split("."):
            found = getattr(found, name)
    except (ImportError, AttributeError) as error:
        raise _UsageError(f"cannot load {target!r}: {error}") from None
    finally:
        sys.path.remove(os.getcwd())
    is_app = hasattr(found, "url_map") or hasattr(found, "routes")
    if not is_app and callable(found):
        try:
            found = found()
        except TypeError as error:  # a function that is not a zero-argument factory
            raise _UsageError(f"{target!r} is not an app nor a factory of one: {error}") from None
    return found


def report_lines(findings: Sequence[RouteFinding]) -> list[str]:
    """The findings as text: one line per route, then the witness and advice of each flagged one.

    >>> report_lines([RouteFinding("flask", "/user/<int:id>", "user", superlinear=False)])
    ['ok    flask  /user/<int:id>  (user)', '1 route, none flagged']
    """
    lines = []
    for finding in findings:
        status = "SLOW " if finding.exposed else "ok   "
        if finding.superlinear and finding.protected:
            status = "fixed"
        lines.append(f"{status} {finding.framework}  {finding.route}  ({finding.endpoint})")
        if finding.superlinear and finding.witness is not None:
            lines.append(f"      {finding.candidate}")
            lines.append(f"      witness: {_describe(finding.witness)}")
            lines.append(f"        {finding.witness.path[:60]!r}...")
            if finding.with_safename is not None:
                fixed = "removes it" if finding.safename_fixes else "does NOT remove it"
                lines.append(
                    f"      safename's matcher {fixed}: {_describe(finding.with_safename)}"
                )
            if finding.advice:
                lines.append(f"      advice: {finding.advice}")
    flagged = sum(finding.exposed for finding in findings)
    removed = sum(finding.superlinear and finding.protected for finding in findings)
    routes = f"{len(findings)} route{'s' * (len(findings) != 1)}"
    protected = f", {removed} fixed by safename's matcher" if removed else ""
    lines.append(f"{routes}, {flagged or 'none'} flagged{protected}")
    return lines


def _describe(measured: Measurement) -> str:
    (short, long), (fast, slow) = measured.lengths, measured.seconds
    return (
        f"{short} chars {fast * 1000:.2f} ms, {long} chars {slow * 1000:.2f} ms "
        f"(x{measured.growth:.1f} for x2 length)"
    )
