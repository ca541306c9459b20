"""The routes of each framework, as :class:`~safename.audit.Route` objects to check."""

from __future__ import annotations

import importlib
import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

from safename._packaging import require
from safename.audit._check import Probe, Route, RouteFinding, check_route


def audit(target: Any) -> list[RouteFinding]:
    """Audit every route of a Flask app, a Werkzeug ``Map`` or a Starlette/FastAPI app.

    :raises TypeError: for an object that is none of these.
    """
    if hasattr(target, "url_map"):
        target = target.url_map
    if hasattr(target, "iter_rules") and hasattr(target, "_matcher"):
        flask = importlib.import_module("safename.audit._werkzeug")
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
