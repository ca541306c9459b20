"""Converters one at a time: safename's, Werkzeug's, Starlette's, Django's, and the adapters.

Run: ``python -m benchmarks.bench_converters``.

Each table reads (``to_python``, Starlette's ``convert``) or writes (``to_url``,
``to_string``) the same values with each library's converter of that kind.
The texts are ones every contender accepts, as a router hands them over
after its regex matched. safename's ``to_python``, called directly, checks the
whole text where the others trust the router's regex; its routers and its
adapters read a matched text without checking again what the regex proved
(the rows "as a router reads a match" and "in werkzeug/starlette/django"), and the Starlette
adapter and Werkzeug percent-encode what they write while Starlette and
Django's converters do not (Django's ``reverse`` does it later), so the rows
say what each costs, not that they do the same work.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from django.urls import converters as django_converters
from starlette import convertors as starlette_convertors
from werkzeug import routing as werkzeug_routing

from benchmarks._harness import Timing, compare
from safename import converters
from safename.django import django_converter
from safename.flask import werkzeug_converter
from safename.starlette import SafenameConvertor

COUNT = 2000

Contenders = dict[str, Callable[[Any], object]]


def _integers(rng: random.Random) -> list[int]:
    return [rng.randrange(10 ** rng.randrange(1, 10)) for _ in range(COUNT)]


def _floats(rng: random.Random) -> list[float]:
    return [rng.randrange(10**6) / 100 for _ in range(COUNT)]


def _uuids(rng: random.Random) -> list[uuid.UUID]:
    return [uuid.UUID(int=rng.getrandbits(128), version=4) for _ in range(COUNT)]


def _segments(rng: random.Random) -> list[str]:
    words = ["report", "photo", "über", "中文", "a b", "notes-2024", "x" * 40]
    return [f"{rng.choice(words)}{number}" for number in range(COUNT)]


def _paths(rng: random.Random) -> list[str]:
    words = ["docs", "guide", "über", "a b", "index.md", "2024"]
    return ["/".join(rng.choice(words) for _ in range(rng.randrange(1, 5))) for _ in range(COUNT)]


def _reading(kind: str) -> tuple[Contenders, Contenders]:
    """The ``to_python`` and ``to_url`` contenders for *kind*, safename's first."""
    werkzeug_map = werkzeug_routing.Map()
    classes: dict[str, tuple[Any, Any, Any, Any]] = {
        "int": (
            converters.IntConverter,
            werkzeug_routing.IntegerConverter,
            starlette_convertors.IntegerConvertor,
            django_converters.IntConverter,
        ),
        "float": (
            converters.FloatConverter,
            werkzeug_routing.FloatConverter,
            starlette_convertors.FloatConvertor,
            None,  # Django has no float converter
        ),
        "uuid": (
            converters.UUIDConverter,
            werkzeug_routing.UUIDConverter,
            starlette_convertors.UUIDConvertor,
            django_converters.UUIDConverter,
        ),
        "string": (
            converters.StringConverter,
            werkzeug_routing.UnicodeConverter,
            starlette_convertors.StringConvertor,
            django_converters.StringConverter,
        ),
        "path": (
            converters.PathConverter,
            werkzeug_routing.PathConverter,
            starlette_convertors.PathConvertor,
            django_converters.PathConverter,
        ),
    }
    safename_class, werkzeug_class, starlette_class, django_class = classes[kind]
    safename = safename_class()
    werkzeug = werkzeug_class(werkzeug_map)
    starlette = starlette_class()
    in_starlette = SafenameConvertor(safename)
    in_django = django_converter(safename)()
    in_flask = werkzeug_converter(safename_class)(werkzeug_map)
    read: Contenders = {
        f"safename {kind}": safename.to_python,
        f"safename {kind} as a router reads a match": safename._matched_reader(),
        f"werkzeug {kind}": werkzeug.to_python,
        f"starlette {kind}": starlette.convert,
        f"safename {kind} in starlette": in_starlette.convert,
        f"safename {kind} in django": in_django.to_python,
        f"safename {kind} in flask": in_flask.to_python,
    }
    write: Contenders = {
        f"safename {kind}": safename.to_url,
        f"werkzeug {kind} (quotes)": werkzeug.to_url,
        f"starlette {kind}": starlette.to_string,
        f"safename {kind} in starlette (quotes)": in_starlette.to_string,
        f"safename {kind} in django": in_django.to_url,
        f"safename {kind} in flask (quotes)": in_flask.to_url,
    }
    if django_class is not None:
        django = django_class()
        read[f"django {kind}"] = django.to_python
        write[f"django {kind}"] = django.to_url
    return read, write


def _tables(kind: str, values: Sequence[Any]) -> list[tuple[str, list[Timing]]]:
    read, write = _reading(kind)
    texts = [converters.DEFAULT_CONVERTERS[kind]().to_url(value) for value in values]
    return [
        (f"{kind}: read", compare(f"{kind}: read", read, texts)),
        (f"{kind}: write", compare(f"{kind}: write", write, values)),
    ]


def run() -> list[tuple[str, list[Timing]]]:
    """Time reading and writing ints, floats, UUIDs, strings, paths; ratios against safename's."""
    rng = random.Random(2026)
    return [
        *_tables("int", _integers(rng)),
        *_tables("float", _floats(rng)),
        *_tables("uuid", _uuids(rng)),
        *_tables("string", _segments(rng)),
        *_tables("path", _paths(rng)),
    ]


if __name__ == "__main__":
    run()
