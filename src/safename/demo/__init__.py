"""A complete Flask demo: routing, forms, cookies, sessions and uploads, done safely.

Run it with ``flask --app safename.demo run`` (add ``--debug`` for the
reloader and debugger). It needs the ``flask`` extra.

>>> app = create_app({"TESTING": True, "SECRET_KEY": "doctest", "UPLOAD_FOLDER": "/nonexistent"})
>>> app.test_client().get("/hello").status_code
200
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

from safename._extras import require

require("flask", "flask")

from flask import Flask  # noqa: E402

from safename.demo import security, views  # noqa: E402
from safename.flask import SafeName  # noqa: E402

__all__ = ["DEFAULT_UPLOAD_EXTENSIONS", "create_app"]

#: What the demo accepts. HTML and SVG are in on purpose: the download view
#: shows that they are served so that they cannot run script in the app's origin.
DEFAULT_UPLOAD_EXTENSIONS: Final = frozenset(
    {"txt", "md", "csv", "json", "pdf", "png", "jpg", "jpeg", "gif", "webp", "svg", "html"}
)
_MEBIBYTE: Final = 1024 * 1024


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the demo app (the application factory of Flask's tutorial).

    Configuration, later sources winning: the defaults below, then
    ``config.py`` in the instance folder (skipped when *test_config* is
    given), then *test_config*. The secret key comes from ``SECRET_KEY``, the
    ``SAFENAME_DEMO_SECRET_KEY`` environment variable, or ``secret_key`` in
    the instance folder, generated on first run. Uploads go to
    ``UPLOAD_FOLDER`` (default: ``uploads`` in the instance folder); a
    ``.zip`` sent to ``/extract`` is extracted there within
    ``SAFENAME_EXTRACT_MAX_MEMBERS`` members and ``SAFENAME_EXTRACT_MAX_BYTES``.

    :param test_config: settings that override everything else (for tests).
    :returns: the configured app; debug is off unless ``--debug`` or
        ``FLASK_DEBUG=1`` asks for it.
    :raises OSError: if the secret key must be generated and the instance
        folder cannot be written.

    >>> app = create_app({"SECRET_KEY": "doctest", "UPLOAD_FOLDER": "/nonexistent"})
    >>> app.debug, app.config["MAX_CONTENT_LENGTH"], app.test_client().get("/post/7").status_code
    (False, 16777216, 200)
    """
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=16 * _MEBIBYTE,
        UPLOAD_FOLDER=os.path.join(app.instance_path, "uploads"),
        SAFENAME_UPLOAD_EXTENSIONS=DEFAULT_UPLOAD_EXTENSIONS,
        SAFENAME_EXTRACT_MAX_MEMBERS=1000,
        SAFENAME_EXTRACT_MAX_BYTES=64 * _MEBIBYTE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
    )
    if test_config is None:
        app.config.from_pyfile("config.py", silent=True)
    else:
        app.config.from_mapping(test_config)
    app.config.setdefault("SAFENAME_UPLOAD_MAX_BYTES", app.config["MAX_CONTENT_LENGTH"])
    app.secret_key = security.load_secret_key(app.config.get("SECRET_KEY"), app.instance_path)
    # Rules read app.url_map.converters when they are added: install ours first.
    SafeName(app)
    security.install(app)
    views.register(app)
    return app
