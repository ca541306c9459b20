"""safename.starlette against a real Starlette app, through its test client."""

from __future__ import annotations

import importlib
import string
import sys
import uuid
from typing import Any
from urllib.parse import quote, unquote

import httpx2
import pytest
from adapter_cases import INVALID, KINDS, REFUSED, VALID, path_texts, safe_filenames, segment_texts
from hypothesis import given
from hypothesis import strategies as st
from starlette.applications import Starlette
from starlette.convertors import register_url_convertor
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from safename import ConversionError
from safename.converters import (
    AnyConverter,
    IntConverter,
    PathConverter,
    StringConverter,
)
from safename.starlette import SafenameConvertor, register_convertors

REGISTERED = register_convertors()
register_url_convertor("lang", SafenameConvertor(AnyConverter("en", "de")))
register_url_convertor("small", SafenameConvertor(IntConverter(max=10)))


def echo(request: Request) -> PlainTextResponse:
    """Answer with the one path parameter's repr, which says its type too."""
    (value,) = request.path_params.values()
    return PlainTextResponse(repr(value))


ROUTES = [Route(f"/{kind}/{{value:{kind}}}", echo, name=kind) for kind in KINDS]
ROUTES += [
    Route("/lang/{value:lang}", echo, name="lang"),
    Route("/small/{value:small}", echo, name="small"),
    # Would match /small/11, but Starlette stops at "small": see test_refusal_is_final.
    Route("/small/{value}", echo, name="small-any"),
]
app = Starlette(routes=ROUTES)
client = TestClient(app)


def test_registers_every_argument_free_converter() -> None:
    assert REGISTERED == KINDS


@pytest.mark.parametrize(("url", "value"), VALID)
def test_valid_text_reaches_the_endpoint_as_its_value(url: str, value: object) -> None:
    response = request(quote(url))
    assert (response.status_code, response.text) == (200, repr(value))


@pytest.mark.parametrize("url", INVALID)
def test_invalid_text_is_not_found(url: str) -> None:
    assert request(quote(url)).status_code == 404


def test_refusal_is_final_even_when_a_later_route_would_match() -> None:
    # Starlette convertors cannot decline a match; the documented behaviour is a 404.
    assert app.url_path_for("small-any", value="11") == "/small/11"
    assert request("/small/11").status_code == 404


@pytest.mark.parametrize(("name", "value"), REFUSED)
def test_url_path_for_refuses_a_value_that_would_not_read_back(name: str, value: Any) -> None:
    with pytest.raises(ConversionError):
        app.url_path_for(name, value=value)


def request(url: str) -> httpx2.Response:
    """GET the percent-encoded *url* so that the app sees the path a real server would give it.

    Starlette's test client decodes the path twice (httpx decodes it, then the
    client's transport unquotes it again: Starlette issue 2587), where a server
    such as uvicorn decodes it once; encoding once more here undoes the extra pass.
    """
    return client.get(quote(url, safe="/"))


def round_trip(name: str, value: object) -> str:
    """Build the URL of *value*, request it, and return what the endpoint saw."""
    response = request(str(app.url_path_for(name, value=value)))
    assert response.status_code == 200, response.text
    return response.text


@given(segment_texts)
def test_every_string_reads_back_unchanged_through_a_request(text: str) -> None:
    assert round_trip("safe_string", StringConverter().to_python(text)) == repr(text)


@given(path_texts)
def test_every_path_reads_back_unchanged_through_a_request(path: str) -> None:
    assert round_trip("safe_path", PathConverter().to_python(path)) == repr(path)


@given(st.integers(min_value=0))
def test_every_integer_reads_back_unchanged_through_a_request(number: int) -> None:
    assert round_trip("safe_int", number) == repr(number)


finite_positive_floats = st.floats(min_value=0, allow_nan=False, allow_infinity=False)


@given(finite_positive_floats.filter(lambda number: str(number)[0] != "-"))
def test_every_float_reads_back_unchanged_through_a_request(number: float) -> None:
    assert round_trip("safe_float", number) == repr(number)


@given(safe_filenames)
def test_every_safe_filename_reads_back_unchanged_through_a_request(name: str) -> None:
    assert round_trip("safe_filename", name) == repr(name)


@given(st.uuids())
def test_every_uuid_reads_back_unchanged_through_a_request(value: uuid.UUID) -> None:
    assert round_trip("safe_uuid", value) == repr(value)


PCHAR = frozenset(string.ascii_letters + string.digits + "-._~%!$&'()*+,;=:@")


@given(path_texts)
def test_to_string_is_the_text_percent_encoded_once(text: str) -> None:
    written = SafenameConvertor(PathConverter()).to_string(text)
    assert unquote(written) == text
    assert PCHAR.union("/").issuperset(written)


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "starlette", None)
    monkeypatch.delitem(sys.modules, "safename.starlette")
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'safename\[starlette\]'"):
        importlib.import_module("safename.starlette")
