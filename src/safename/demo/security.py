"""The demo's secret key, CSRF protection and response headers.

Kept apart from the views so that each security decision has one place.
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path
from typing import Final

from flask import Flask, Response, abort, current_app, request, session

from safename.demo.forms import BODY_METHODS

__all__ = [
    "CSRF_FIELD",
    "SECRET_KEY_ENVIRONMENT_VARIABLE",
    "csrf_token",
    "install",
    "load_secret_key",
]

#: The environment variable read for the secret key when the config has none.
SECRET_KEY_ENVIRONMENT_VARIABLE: Final = "SAFENAME_DEMO_SECRET_KEY"  # noqa: S105 - a name, not a key
#: The form field (and session key) that carries the CSRF token.
CSRF_FIELD: Final = "csrf_token"
_PAGE_POLICY: Final = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def load_secret_key(config_value: object, instance_path: str | os.PathLike[str]) -> str | bytes:
    """Return the secret key: configured, else from the environment, else from the instance folder.

    The instance file (``secret_key``, mode 0600) is created once with 32
    random bytes, atomically (``O_EXCL``), so every process and restart of
    the app signs sessions with the same key, and no key lives in the code.

    :param config_value: ``app.config["SECRET_KEY"]``; used when truthy.
    :param instance_path: the app's instance folder, created if missing.
    :raises OSError: if the instance folder cannot be written.

    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> key = load_secret_key(None, folder)
    >>> len(key), key == load_secret_key(None, folder), load_secret_key("set", folder)
    (64, True, 'set')
    """
    if isinstance(config_value, str | bytes) and config_value:
        return config_value
    from_environment = os.environ.get(SECRET_KEY_ENVIRONMENT_VARIABLE)
    if from_environment:
        return from_environment
    key_file = Path(instance_path) / "secret_key"
    key_file.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return key_file.read_text(encoding="ascii").strip()
    with os.fdopen(descriptor, "w", encoding="ascii") as stream:
        key = secrets.token_hex(32)
        stream.write(key)
    return key


def csrf_token() -> str:
    """Return this session's CSRF token, creating it on first use (for templates).

    :raises RuntimeError: outside a request.

    >>> from flask import Flask
    >>> app = Flask("example", instance_path="/nonexistent")
    >>> app.secret_key = "doctest"
    >>> with app.test_request_context():
    ...     csrf_token() == csrf_token() and len(csrf_token()) >= 43
    True
    """
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def install(app: Flask) -> None:
    """Check CSRF tokens on state-changing requests and add security headers to every response.

    The check is off when ``app.config["WTF_CSRF_ENABLED"]`` is ``False``
    (Flask-WTF's key), which tests use.

    >>> from flask import Flask
    >>> app = Flask("example", instance_path="/nonexistent")
    >>> app.secret_key = "doctest"
    >>> install(app)
    >>> _ = app.post("/")(lambda: "changed")
    >>> app.test_client().post("/").status_code
    400
    """
    app.before_request(_check_csrf)
    app.after_request(_add_security_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token


def _check_csrf() -> None:
    # No route takes this URL with this method: Flask answers 404 or 405, whatever the token.
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD, "")
    # Bytes: compare_digest refuses str with non-ASCII characters, which a forged form may send.
    if not isinstance(expected, str) or not hmac.compare_digest(
        expected.encode(), sent.encode("utf-8", "replace")
    ):
        abort(400, description="The form has expired or did not come from this site. Reload it.")


def _add_security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Content-Security-Policy", _PAGE_POLICY)
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
