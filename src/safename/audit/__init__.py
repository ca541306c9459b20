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
2. **Witness**, by counted work: the route's lead text, the pump repeated,
   and a character that makes the match fail at the end. The framework's own
   regexes are run on it by a backtracking engine that counts its steps, at
   doubling lengths. The route is ``slow`` only if the steps grow by
   :data:`SUPERLINEAR_GROWTH` or more: a linear matcher doubles them. Counts,
   not a clock: the same route gets the same verdict on every run. What the
   engine does not model is ``unchecked``, never ``ok``.

For a Flask app the same witness is then timed with safename's matcher
(:mod:`safename.routing._werkzeug`, which ``SafeName(app)`` installs): that
is whether safename removes the problem. Starlette and Django keep their own
matchers (safename's converters there do not change the regex shape), so the
finding says what to change in the route instead.

``safename audit-routes TARGET`` is the command (``--format text|json|sarif``,
``--strict``, ``--django``).

>>> from flask import Flask
>>> app = Flask("example")
>>> app.add_url_rule("/user/<int:user_id>", "user")
>>> app.add_url_rule("/d/<a>-<b>-<c>.txt", "d")
>>> [(finding.route, finding.superlinear) for finding in audit(app)]
[('/static/<path:filename>', False), ('/user/<int:user_id>', False), ('/d/<a>-<b>-<c>.txt', True)]
"""

from safename._packaging import public_names
from safename.audit._check import (
    MIN_SECONDS,
    SUPERLINEAR_GROWTH,
    Measurement,
    Route,
    RouteFinding,
    SlowRouteError,
    check_route,
    measure,
)
from safename.audit._command import configure_parser, run_command
from safename.audit._frameworks import audit, audit_django

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

public_names(globals())
