"""Calls into safename whose answers two builds must agree on, and a server for the pure build.

``tests/test_builds.py`` makes each call in the running (compiled) build and
in a subprocess that imports the pure-Python source from ``src/`` and runs
:func:`serve`, and compares the ``repr`` of the answers.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

import safename
from safename.converters import DEFAULT_CONVERTERS
from safename.routing import Router

#: Rules that between them reach every converter, static parts beating variables,
#: weights, and converters that refuse a text the regex took.
RULES = [
    ("/", "index"),
    ("/user/me", "me"),
    ("/user/<int:user_id>", "user_by_id"),
    ("/user/<name>", "user_by_name"),
    ("/post/<int(min=1, max=999):post>/<slug>", "post"),
    ("/price/<float(signed=True):amount>", "price"),
    ("/files/<path:name>", "file"),
    ("/files/<path:name>/raw", "raw"),
    ("/download/<filename:name>", "download"),
    ("/lang/<any(en, de, fr):lang>/<string(length=2):region>", "lang"),
    ("/item/<uuid:item>", "item"),
    ("/a<int:x>b<int(fixed_digits=3):y>", "mixed"),
]


def _router() -> Router:
    router = Router()
    for rule, endpoint in RULES:
        router.add(rule, endpoint)
    return router


_ROUTER = _router()
_CONVERTERS = {name: converter() for name, converter in DEFAULT_CONVERTERS.items() if name != "any"}

#: The functions a call may name, each taking JSON values.
FUNCTIONS: dict[str, Callable[..., object]] = {
    "secure_filename": safename.secure_filename,
    "validate_filename": safename.validate_filename,
    "safe_join": safename.safe_join,
    "match": _ROUTER.match,
    "parse_rule": safename.routing.parse_rule,
    "to_python": lambda name, text: _CONVERTERS[name].to_python(text),
    "to_url": lambda name, value: _CONVERTERS[name].to_url(value),
}


def answer(function: str, args: list[Any], kwargs: dict[str, Any]) -> str:
    """The ``repr`` of the result of one call, or of the error it raised (type and message)."""
    try:
        return repr(FUNCTIONS[function](*args, **kwargs))
    except (ValueError, TypeError) as error:
        return f"{type(error).__name__}: {error}"


def serve() -> None:
    """Answer calls read as JSON lines on stdin, one JSON string per line on stdout."""
    print(json.dumps(safename.COMPILED), flush=True)
    for line in sys.stdin:
        function, args, kwargs = json.loads(line)
        print(json.dumps(answer(function, args, kwargs)), flush=True)


if __name__ == "__main__":
    serve()
