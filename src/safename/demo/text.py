"""How the demo shows a client's text: every hidden character as an escape, and bounded.

One helper, :func:`visible`, decides how client text appears in a page. :func:`install`
makes the app's templates run it on the value of every ``{{ ... }}``, so that no template
can forget it; :func:`echo`, for the messages a view composes (flashed into the session
cookie, or an error's description), runs it too and bounds the length.

Jinja escapes HTML; it does not stop a NUL, an escape sequence or a right-to-left override
from reaching the page, where a NUL is an HTML parse error and an override makes
``evil\\u202etxt.exe`` read as ``evilexe.txt``.
"""

from __future__ import annotations

import functools
from typing import Final

from flask import Flask
from jinja2 import Undefined
from markupsafe import Markup

from safename import FilenameReason, UnsafeFilenameError, validate_filename

__all__ = ["ECHO_LIMIT", "echo", "install", "visible"]

#: The most characters of a client's text the demo echoes in a flashed message or an error.
ECHO_LIMIT: Final = 80
# safename's own word for a character a reader cannot see (or that reorders the text).
_HIDDEN_REASONS: Final = frozenset(
    {FilenameReason.CONTROL_CHARACTER, FilenameReason.INVISIBLE_CHARACTER}
)


def visible(text: str) -> str:
    """*text* with every character a reader could not see written as a Python escape.

    Escaped: whatever ``str.isprintable`` refuses (C0 and C1 controls, DEL, format
    characters such as bidi overrides and zero-width spaces, line and paragraph
    separators, spaces other than U+0020, unassigned and private-use code points, lone
    surrogates), and the printable characters that safename's filename rules call
    invisible (Hangul fillers, variation selectors and the other default-ignorable code
    points). Letters, marks and symbols of every script are kept. HTML escaping is left
    to the templates.

    >>> visible("evil\\u202etxt.exe")
    'evil\\\\u202etxt.exe'
    >>> print(visible("a\\x00b\\x9bc\\x7fd\\u200be\\u3164f"))
    a\\x00b\\x9bc\\x7fd\\u200be\\u3164f
    >>> visible("中文 café.txt")
    '中文 café.txt'
    """
    if text.isascii() and text.isprintable():
        return text
    return "".join(map(_shown, text))


def echo(text: str) -> str:
    """*text* as a view may put it in a message: :func:`visible`, and at most
    :data:`ECHO_LIMIT` characters of it.

    A longer text is cut, with a note of its length, so that an echo cannot grow a page or
    a cookie with the size of the request.

    >>> echo("notes.txt")
    'notes.txt'
    >>> echo("x" * 60_000)[-25:]
    'xxxx… (60,000 characters)'
    """
    if len(text) <= ECHO_LIMIT:
        return visible(text)
    return f"{visible(text[:ECHO_LIMIT])}… ({len(text):,} characters)"


def install(app: Flask) -> None:
    """Make every ``{{ ... }}`` of *app*'s templates pass through :func:`visible`.

    Jinja's ``finalize`` hook runs on each value before it is escaped, so a template that
    shows a client's text needs no filter to be safe.

    >>> app = Flask("example")
    >>> install(app)
    >>> with app.app_context():
    ...     print(app.jinja_env.from_string("{{ name }}!").render(name="ab\\u202ecd"))
    ab\\u202ecd!
    """
    # Read when a template is compiled: set before the first one is.
    app.jinja_env.finalize = _finalize


def _finalize(value: object) -> object:
    if isinstance(value, Undefined):
        return value  # rendered as nothing, or raising, as the environment says
    if hasattr(value, "__html__"):
        # HTML already, made by the app: visible adds only ASCII escapes, no markup.
        return Markup(visible(str(value.__html__())))  # noqa: S704
    return visible(str(value))


@functools.lru_cache(maxsize=4096)
def _shown(character: str) -> str:
    return ascii(character)[1:-1] if _hidden(character) else character


def _hidden(character: str) -> bool:
    if not character.isprintable():
        return True
    # Between two letters, so that only the character's own rule can fail.
    try:
        validate_filename(f"a{character}a", allow_unicode=True)
    except UnsafeFilenameError as error:
        return error.reason in _HIDDEN_REASONS
    return False
