"""A Flask app with two routes one URL can slow down, for ``safename audit-routes``.

``safename audit-routes examples.audit.flask_app:app`` flags ``/d/<a>-<b>-<c>-<d>.txt``
and ``/p/<path:a>/<path:b>/x``; ``create_app()`` is the same app with ``SafeName(app)``.
"""

from __future__ import annotations

from flask import Flask

from safename.flask import SafeName

RULES = (
    "/user/<int:user_id>",
    "/<lang>/<page>",
    "/d/<a>-<b>-<c>-<d>.txt",
    "/p/<path:a>/<path:b>/x",
    "/files/<path:name>",
)


def add_rules(app: Flask) -> Flask:
    """Add the example's rules to *app*: each answers with its endpoint's name."""
    for rule in RULES:
        app.add_url_rule(rule, rule, lambda rule=rule, **values: rule)
    return app


app = add_rules(Flask(__name__))


def create_app() -> Flask:
    """The same app with ``SafeName(app)``: its matcher reads every rule in linear time."""
    protected = Flask(__name__)
    SafeName(protected)
    return add_rules(protected)
