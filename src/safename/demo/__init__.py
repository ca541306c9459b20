"""A complete Flask demo: routing, forms, cookies, sessions and uploads, done safely.

Run it with ``python -m safename.demo`` or ``flask --app safename.demo run`` (add
``--debug`` for the reloader and debugger). It needs the ``flask`` extra. Its instance
folder (secret key, ``config.py``, uploads) is ``./instance`` under the current directory,
or the folder the ``SAFENAME_DEMO_INSTANCE`` environment variable names.

>>> app = create_app({"TESTING": True, "SECRET_KEY": "doctest", "UPLOAD_FOLDER": "/nonexistent"})
>>> app.test_client().get("/hello").status_code
200
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any, Final

from safename._packaging import require

require("flask", "flask")

from flask import Flask  # noqa: E402

from safename.demo import forms, security, storage, text, views  # noqa: E402
from safename.flask import SafeName  # noqa: E402

__all__ = [
    "DEFAULT_TRUSTED_HOSTS",
    "DEFAULT_UPLOAD_EXTENSIONS",
    "INSTANCE_ENVIRONMENT_VARIABLE",
    "create_app",
    "instance_folder",
]

#: What the demo accepts. HTML and SVG are in on purpose: the download view
#: shows that they are served so that they cannot run script in the app's origin.
DEFAULT_UPLOAD_EXTENSIONS: Final = frozenset(
    {"txt", "md", "csv", "json", "pdf", "png", "jpg", "jpeg", "gif", "webp", "svg", "html"}
)
_MEBIBYTE: Final = 1024 * 1024
#: The ``Host`` names the demo answers to unless ``TRUSTED_HOSTS`` says otherwise (Flask 3.1
#: and later): its redirects are built from the ``Host`` header, which a client chooses.
DEFAULT_TRUSTED_HOSTS: Final = ("localhost", "127.0.0.1")
#: The environment variable that names the instance folder.
INSTANCE_ENVIRONMENT_VARIABLE: Final = "SAFENAME_DEMO_INSTANCE"


def instance_folder() -> str:
    """The demo's instance folder: ``$SAFENAME_DEMO_INSTANCE``, else ``./instance``, absolute.

    Not Flask's default, which is beside the package (inside the source tree, or inside
    ``site-packages`` for a wheel), where a user would not look for uploads.

    >>> import os
    >>> instance_folder() == os.path.abspath(os.environ.get("SAFENAME_DEMO_INSTANCE", "instance"))
    True
    """
    return os.path.abspath(os.environ.get(INSTANCE_ENVIRONMENT_VARIABLE) or "instance")


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the demo app (the application factory of Flask's tutorial).

    Configuration, later sources winning: the defaults below, then
    ``config.py`` in the instance folder (:func:`instance_folder`; skipped when
    *test_config* is given), then *test_config*. The secret key comes from ``SECRET_KEY``, the
    ``SAFENAME_DEMO_SECRET_KEY`` environment variable, or ``secret_key`` in
    the instance folder, generated on first run. Uploads go to
    ``UPLOAD_FOLDER`` (default: ``uploads`` in the instance folder), or to the
    bucket of ``UPLOAD_STORAGE`` or the ``SAFENAME_UPLOAD_STORAGE`` environment
    variable, ``s3://bucket/prefix`` (:mod:`safename.demo.storage`); a
    ``.zip`` sent to ``/extract`` is extracted there within
    ``SAFENAME_EXTRACT_MAX_MEMBERS`` members and ``SAFENAME_EXTRACT_MAX_BYTES``.
    Only the ``TRUSTED_HOSTS`` names are answered (default:
    :data:`DEFAULT_TRUSTED_HOSTS`); a deployment sets its own names there.

    :param test_config: settings that override everything else (for tests).
    :returns: the configured app; debug is off unless ``--debug`` or
        ``FLASK_DEBUG=1`` asks for it.
    :raises OSError: if the secret key must be generated and the instance
        folder cannot be written.

    >>> app = create_app({"SECRET_KEY": "doctest", "UPLOAD_FOLDER": "/nonexistent"})
    >>> app.debug, app.config["MAX_CONTENT_LENGTH"], app.test_client().get("/post/7").status_code
    (False, 16777216, 200)
    """
    app = Flask(__name__, instance_path=instance_folder(), instance_relative_config=True)
    app.config.from_mapping(
        MAX_CONTENT_LENGTH=16 * _MEBIBYTE,
        TRUSTED_HOSTS=list(DEFAULT_TRUSTED_HOSTS),
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
    # Before any template is compiled: every {{ ... }} shows hidden characters as escapes.
    text.install(app)
    # The form is parsed (and a malformed one refused) before the CSRF check reads it.
    forms.install(app)
    security.install(app)
    storage.install(app)
    views.register(app)
    return app
