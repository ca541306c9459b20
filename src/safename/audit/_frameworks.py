"""The routes of each framework, as :class:`~safename.audit.Route` objects to check."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

from safename._packaging import require
from safename.audit._check import Counter, Probe, Route, RouteFinding, check_route
from safename.audit._count import STEP_BUDGET, count


def audit(target: Any) -> list[RouteFinding]:
    """Audit every route of a Flask app, a Werkzeug ``Map`` or a Starlette/FastAPI app.

    :raises TypeError: for an object that is none of these.
    """
    views = getattr(target, "view_functions", {})
    if hasattr(target, "url_map"):
        target = target.url_map
    if hasattr(target, "iter_rules") and hasattr(target, "_matcher"):
        flask = importlib.import_module("safename.audit._werkzeug")
        return [
            dataclasses.replace(finding, location=location(views.get(finding.endpoint)))
            for finding in map(check_route, flask.audit_routes(target))
        ]
    if hasattr(target, "routes"):
        return [check_route(route) for route in _starlette_routes(target.routes, "")]
    raise TypeError(f"cannot audit {target!r}: not a Flask, Starlette or FastAPI app")


def audit_django(urlconf: str | None = None) -> list[RouteFinding]:
    """Audit the routes of a Django URLconf (the settings' ``ROOT_URLCONF`` by default).

    Django must be configured (``DJANGO_SETTINGS_MODULE``, ``django.setup()``).
    A ``re_path`` route is reported ``unchecked``: its regex is the author's own.
    """
    urls = require("django.urls", "django")
    resolver = urls.get_resolver(urlconf)

    def probe(path: str) -> object:
        try:
            return resolver.resolve(path)
        except urls.Resolver404:
            return None

    return [check_route(route) for route in _django_routes(resolver.url_patterns, [], probe)]


def location(view: Any) -> str:
    """``file:line`` of a view function, or ``""`` where Python cannot tell."""
    try:
        view = inspect.unwrap(view)
        source = inspect.getsourcefile(view)
        line = inspect.getsourcelines(view)[1]
    except (TypeError, OSError, ValueError):
        return ""
    return f"{source}:{line}" if source else ""


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

        def counter(text: str, regex: Any = own_regex, mount: str = prefix) -> int:
            return count(regex.pattern, text.removeprefix(mount))[1]

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
            counter=_budgeted(counter),
            location=location(getattr(route, "endpoint", None)),
        )


def _budgeted(counter: Any) -> Counter:
    """*counter* with a count that ran out of the budget as ``None``."""

    def counted(text: str) -> int | None:
        steps: int = counter(text)
        return None if steps > STEP_BUDGET else steps

    return counted


def _django_routes(patterns: Sequence[Any], above: list[Any], probe: Probe) -> Iterator[Route]:
    for entry in patterns:
        chain = [*above, entry.pattern]
        if hasattr(entry, "url_patterns"):
            yield from _django_routes(entry.url_patterns, chain, probe)
            continue
        text = "/" + "".join(str(pattern) for pattern in chain)
        name = getattr(entry, "name", None) or ""
        where = location(getattr(entry, "callback", None))
        kinds = {type(pattern).__name__ for pattern in chain}
        if not kinds <= {"RoutePattern", "LocalePrefixPattern"}:
            why = "re_path: its regex is the author's own, not modelled"
            yield Route("django", text, name, [], probe, unchecked=why, location=where)
            continue
        yield Route(
            "django",
            text,
            name,
            _django_pieces(chain),
            probe,
            advice=_ADVICE.format(framework="Django"),
            counter=_budgeted(_django_counter(chain)),
            location=where,
        )


def _django_pieces(chain: Sequence[Any]) -> list[tuple[str | None, str]]:
    pieces: list[tuple[str | None, str]] = [("/", "")]
    for pattern in chain:
        route = str(pattern)
        converters = getattr(pattern, "converters", {})
        position = 0
        for parameter in _DJANGO_PARAMETER.finditer(route):
            pieces.append((route[position : parameter.start()], ""))
            pieces.append((None, converters[parameter["parameter"]].regex))
            position = parameter.end()
        pieces.append((route[position:], ""))
    return pieces


def _django_counter(chain: Sequence[Any]) -> Any:
    """Counts Django's work on a path as its resolver does it: each pattern of the chain on
    what the one before left, the last one whole (``fullmatch``) when it ends in ``$``."""

    def counter(text: str) -> int:
        rest, total = text.removeprefix("/"), 0
        for pattern in chain:
            if not hasattr(pattern, "regex"):  # LocalePrefixPattern: a plain prefix
                total += 1
                if not rest.startswith(str(pattern)):
                    return total
                rest = rest.removeprefix(str(pattern))
                continue
            regex = pattern.regex.pattern
            full = bool(pattern._is_endpoint and regex.endswith("$"))
            matched, steps, end = count(regex, rest, full=full)
            total += steps
            if not matched:
                return total
            rest = rest[end:]
        return total

    return counter
