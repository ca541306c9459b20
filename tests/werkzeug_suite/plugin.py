"""The pytest plugin of a werkzeug suite run: SafeName's converters, the xfails, the counts.

Loaded with ``-p werkzeug_suite.plugin`` by :func:`werkzeug_suite.run`; importing it
changes nothing, its hooks do.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import werkzeug
from flask import Flask
from werkzeug.datastructures import ImmutableDict
from werkzeug.routing import BaseConverter, Map

from safename.converters import DEFAULT_CONVERTERS
from safename.flask import SafeName
from safename.routing._werkzeug import install as install_matcher

from . import DIFFERENCES, MATCHER_VARIABLE, OUTCOMES, REPORT_VARIABLE, SOURCE_VARIABLE


def safename_converters() -> dict[str, type[BaseConverter]]:
    """The converters ``SafeName(app)`` installs in a Flask app's ``url_map``, by name."""
    app = Flask("werkzeug_suite")
    SafeName(app)
    return {name: app.url_map.converters[name] for name in DEFAULT_CONVERTERS}


def install() -> ImmutableDict[str, type[BaseConverter]]:
    """Give every ``Map`` SafeName's converters by default; the defaults it replaced.

    A ``converters=`` argument of a ``Map`` still adds to them or replaces them, as in
    Werkzeug; ``Map.default_converters`` stays an ``ImmutableDict``, as Werkzeug's tests check.
    """
    previous = Map.default_converters
    Map.default_converters = ImmutableDict({**previous, **safename_converters()})
    return previous


def install_matcher_in_every_map() -> None:
    """Give every ``Map`` safename's matcher once made, as ``SafeName(app)`` gives an app's.

    It is installed after Werkzeug's ``__init__``, rules passed to it included: the path of
    an app that already has its rules.
    """
    made = Map.__init__

    def init(self: Map, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)
        if not install_matcher(self):
            raise pytest.UsageError("safename's matcher does not support this werkzeug")

    Map.__init__ = init  # type: ignore[method-assign]


def pytest_configure(config: pytest.Config) -> None:
    """Check that the tests meet the release they come from, and install the converters."""
    source = os.environ.get(SOURCE_VARIABLE)
    if source and not Path(werkzeug.__file__).resolve().is_relative_to(Path(source).resolve()):
        raise pytest.UsageError(f"werkzeug comes from {werkzeug.__file__}, not from {source}")
    install()
    if os.environ.get(MATCHER_VARIABLE):
        install_matcher_in_every_map()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark each listed difference a strict xfail; a listed test that is not there is an error."""
    by_name = {item.name: item for item in items}
    missing = sorted(set(DIFFERENCES) - set(by_name))
    if missing:
        raise pytest.UsageError(f"werkzeug_suite.DIFFERENCES lists tests that are gone: {missing}")
    for name, reason in DIFFERENCES.items():
        by_name[name].add_marker(pytest.mark.xfail(reason=reason, strict=True))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Write the count of each outcome where the run asked for it."""
    counts = {outcome: len(terminalreporter.stats.get(outcome, [])) for outcome in OUTCOMES}
    report = os.environ.get(REPORT_VARIABLE)
    if report:
        Path(report).write_text(json.dumps({name: n for name, n in counts.items() if n}))
