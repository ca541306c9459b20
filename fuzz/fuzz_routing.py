#!/usr/bin/env python3
"""Fuzz ``Pattern`` and ``Router``: match and build are inverse; the router agrees with its rules.

Each input is used twice: as a decoded path matched against every rule and the
router, and as the choice sequence from which hypothesis draws a rule and
values for it (``url_values`` of each converter), which must build into a path
that routes back. Run: ``python fuzz/fuzz_routing.py [libFuzzer flags] [corpus folders]``.
"""

from __future__ import annotations

import sys
from typing import Any
from urllib.parse import unquote

import atheris
from _harness import expect, text_of
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

with atheris.instrument_imports():
    from _routing import check_build, check_round_trip, is_url_text

    from safename.errors import ConversionError
    from safename.routing import Pattern, Router
    from safename.strategies import url_values

#: One rule per endpoint, so that each matched path has one URL to build back.
RULES = {
    "about": "/about",
    "user": "/user/<name>",
    "user_id": "/user/<int:user_id>",
    "page": "/page/<int(fixed_digits=3):number>",
    "balance": "/balance/<int(signed=True, min=-1000, max=1000):amount>",
    "price": "/price/<float(signed=True):amount>",
    "files": "/files/<path:rest>",
    "raw": "/files/<path:rest>/raw",
    "language": "/<any(en, de, 'zh hans'):language>/index",
    "item": "/item/<uuid:item_id>",
    "download": "/download/<filename:name>",
    "unicode_download": "/u/<filename(allow_unicode=True, max_length=32):name>",
    "pair": "/pair/<first>-<second>",
    "version": "/version/<int:major>.<int:minor>",
    "country": "/country/<string(length=2):code>",
}
PATTERNS = {endpoint: Pattern(rule) for endpoint, rule in RULES.items()}
ROUTER = Router()
for endpoint, rule in RULES.items():
    ROUTER.add(rule, endpoint)


def check_router(path: str) -> None:
    """The router's answer is a rule that matches, found whenever one does, and builds back."""
    routed = ROUTER.match(path)
    matching = {endpoint for endpoint, pattern in PATTERNS.items() if pattern.match(path)}
    if routed is None:
        expect(not matching, "the router misses a matching rule", path, matching)
        return
    endpoint, values = routed
    expect(PATTERNS[endpoint].match(path) == values, "router and rule disagree", path, routed)
    if is_url_text(path):
        built = ROUTER.build(endpoint, **values)
        expect(unquote(built) == path, "routed values build another path", path, routed, built)


@st.composite
def endpoints_and_values(draw: st.DrawFn) -> tuple[str, dict[str, Any]]:
    """An endpoint, and a value for each of its variables that its converter accepts."""
    endpoint = draw(st.sampled_from(sorted(RULES)))
    converters = PATTERNS[endpoint].converters
    values = {name: draw(url_values(converter)) for name, converter in converters.items()}
    return endpoint, values


@settings(database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(endpoints_and_values())
def check_drawn_values(endpoint_and_values: tuple[str, dict[str, Any]]) -> None:
    """Values each converter accepts build a path that matches back, by rule and by router."""
    endpoint, values = endpoint_and_values
    check_build(PATTERNS[endpoint], values)
    try:
        built = ROUTER.build(endpoint, **values)
    except ConversionError:
        return  # adjacent variables whose texts would run together, or another rule wins
    expect(ROUTER.match(unquote(built)) == (endpoint, values), "router builds astray", built)


def test_one_input(data: bytes) -> None:
    """Match *data* as a path; draw values from it for a build."""
    path = text_of(data)
    for pattern in PATTERNS.values():
        check_round_trip(pattern, path)
    check_router(path)
    check_drawn_values.hypothesis.fuzz_one_input(data)  # type: ignore[attr-defined]


def main() -> None:
    """Start libFuzzer with the command line's flags and corpus folders."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
