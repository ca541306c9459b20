"""Request rate of the demo app through Flask's test client, with safename's matcher and Werkzeug's.

Run: ``python -m benchmarks.bench_demo_rate``.

The same demo (``safename.demo.create_app``) is made twice, once with
``SAFENAME_MATCHER`` on (the default) and once off, and each answers the same
list of GET requests, a mix of every route of the demo and a 404, interleaved
in one run. A request goes through the whole of Flask (WSGI environ, routing,
the view, the template, the response), so the table shows what the matcher
costs or saves on a real request, not on the match alone. A second table
times the two hostile paths of issue 11 on ``SafeName(app)`` alone.
"""

from __future__ import annotations

import tempfile
from typing import Final

from flask import Flask

from benchmarks._harness import Timing, compare
from safename.demo import create_app
from safename.flask import SafeName

#: GET requests that change nothing: every route of the demo, and one that is not there.
PATHS: Final = (
    "/",
    "/hello",
    "/user/alice",
    "/post/42",
    "/path/docs/2024/report.pdf",
    "/price/9.99",
    "/color/red",
    "/item/12345678-1234-5678-1234-567812345678",
    "/search?q=report",
    "/uploads/",
    "/no/such/page",
)


def demo(*, matcher: bool, folder: str) -> Flask:
    """The demo app, with safename's matcher or Werkzeug's."""
    config = {"SECRET_KEY": "bench", "UPLOAD_FOLDER": folder, "SAFENAME_MATCHER": matcher}
    return create_app({**config, "SAFENAME_AUDIT": "off"})


def hostile_app() -> Flask:
    """A Flask app with ``SafeName(app)`` and the two rules of the issue's proof."""
    app = Flask("hostile")
    SafeName(app)
    app.add_url_rule("/d/<a>-<b>-<c>-<d>.txt", "d", lambda **values: "d")
    app.add_url_rule("/p/<path:a>/<path:b>/<path:c>/x", "p", lambda **values: "p")
    return app


def run() -> list[tuple[str, list[Timing]]]:
    """Time the demo's requests under both matchers, then the hostile paths."""
    with tempfile.TemporaryDirectory() as folder:
        safename_client = demo(matcher=True, folder=folder).test_client()
        werkzeug_client = demo(matcher=False, folder=folder).test_client()
        requests = list(PATHS) * 20
        rate = compare(
            "Demo requests through the test client",
            {
                "safename's matcher": safename_client.get,
                "werkzeug's matcher": werkzeug_client.get,
            },
            requests,
            repeat=5,
        )
    client = hostile_app().test_client()
    hostile = [
        "/d/" + "-" * 8192 + "y",  # 8 KB against four variables in one segment
        "/p/" + "a/" * 4000 + "y",  # 4,000 segments against three path variables
    ]
    answers = compare(
        "Hostile paths, SafeName(app), one request each",
        {"safename's matcher": client.get},
        hostile,
        repeat=5,
    )
    for timing in rate:
        print(f"  {timing.name}: {1e6 / timing.per_call_us:,.0f} requests/s")
    return [("Demo requests through the test client", rate), ("Hostile paths", answers)]


if __name__ == "__main__":
    run()
