"""safename.django against Django's URL resolver: resolve(), reverse() and real requests."""

from __future__ import annotations

import importlib
import sys
import uuid
from typing import Any
from urllib.parse import unquote

import django
import pytest
from adapter_cases import INVALID, KINDS, REFUSED, VALID, path_texts, safe_filenames, segment_texts
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, path, register_converter, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st

from safename.converters import AnyConverter, IntConverter
from safename.django import django_converter, register_converters

if not settings.configured:
    settings.configure(
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        SECRET_KEY="only-for-tests",
    )
    django.setup()

REGISTERED = register_converters()
register_converter(django_converter(AnyConverter("en", "de")), "lang")
register_converter(django_converter(IntConverter(max=10)), "small")


def echo(request: HttpRequest, value: object) -> HttpResponse:
    """Answer with the path parameter's repr, which says its type too."""
    return HttpResponse(repr(value))


def fallback(request: HttpRequest, value: str) -> HttpResponse:
    return HttpResponse(f"fallback {value!r}")


urlpatterns = [path(f"{kind}/<{kind}:value>", echo, name=kind) for kind in KINDS]
urlpatterns += [
    path("lang/<lang:value>", echo, name="lang"),
    path("small/<small:value>", echo, name="small"),
    path("small/<str:value>", fallback, name="small-fallback"),  # tried when "small" refuses
]
client = Client()


def test_registers_every_argument_free_converter() -> None:
    assert REGISTERED == KINDS


def test_registering_again_is_harmless() -> None:
    assert register_converters() == KINDS


class DjangosOwnIntConverter:
    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


def test_a_name_taken_by_another_converter_is_refused_before_registering_any() -> None:
    register_converter(DjangosOwnIntConverter, "clash_int")
    with pytest.raises(ValueError, match="clash_int"):
        register_converters(prefix="clash_")
    with pytest.raises(ImproperlyConfigured):  # clash_string comes first, yet was not registered
        path("x/<clash_string:value>", echo)


@pytest.mark.parametrize(("url", "value"), VALID)
def test_resolve_reads_valid_text_as_its_value(url: str, value: object) -> None:
    match = resolve(url)
    assert (match.func, match.kwargs) == (echo, {"value": value})


@pytest.mark.parametrize("url", [*INVALID, "/safe_path/docs/../index.md"])
def test_resolve_refuses_invalid_text(url: str) -> None:
    with pytest.raises(Resolver404):
        resolve(url)


def test_a_refused_text_falls_through_to_the_next_pattern() -> None:
    match = resolve("/small/11")
    assert (match.func, match.kwargs) == (fallback, {"value": "11"})


@pytest.mark.parametrize(("name", "value"), REFUSED)
def test_reverse_refuses_a_value_that_would_not_read_back(name: str, value: Any) -> None:
    with pytest.raises(NoReverseMatch):
        reverse(name, kwargs={"value": value})


def test_reverse_percent_encodes() -> None:
    assert reverse("safe_string", kwargs={"value": "50% off?"}) == "/safe_string/50%25%20off%3F"


def round_trip(name: str, value: object) -> None:
    """Reverse *value*, resolve the decoded URL, and request it for real."""
    url = reverse(name, kwargs={"value": value})
    assert resolve(unquote(url)).kwargs == {"value": value}
    response = client.get(url)
    assert (response.status_code, response.content.decode()) == (200, repr(value))


@given(segment_texts)
def test_every_string_reads_back_unchanged_through_a_request(text: str) -> None:
    round_trip("safe_string", text)


@given(path_texts)
def test_every_path_reads_back_unchanged_through_a_request(text: str) -> None:
    round_trip("safe_path", text)


@given(st.integers(min_value=0))
def test_every_integer_reads_back_unchanged_through_a_request(number: int) -> None:
    round_trip("safe_int", number)


@given(st.floats(min_value=0, allow_nan=False, allow_infinity=False))
def test_every_float_reads_back_unchanged_through_a_request(number: float) -> None:
    round_trip("safe_float", abs(number))


@given(safe_filenames)
def test_every_safe_filename_reads_back_unchanged_through_a_request(name: str) -> None:
    round_trip("safe_filename", name)


@given(st.uuids())
def test_every_uuid_reads_back_unchanged_through_a_request(value: uuid.UUID) -> None:
    round_trip("safe_uuid", value)


def test_without_the_extra_the_error_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "django", None)
    monkeypatch.delitem(sys.modules, "safename.django")
    with pytest.raises(ModuleNotFoundError, match=r"pip install 'safename\[django\]'"):
        importlib.import_module("safename.django")
