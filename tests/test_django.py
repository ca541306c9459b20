"""safename.django against Django itself: the URL resolver, uploads through views and a model."""

from __future__ import annotations

import importlib
import sys
import tempfile
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import django
import pytest
from adapter_cases import (
    INVALID,
    KINDS,
    REFUSED,
    VALID,
    all_at_once,
    path_texts,
    safe_filenames,
    segment_texts,
)
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, SuspiciousFileOperation
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, models
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.test import Client
from django.urls import NoReverseMatch, Resolver404, path, register_converter, resolve, reverse
from hypothesis import given
from hypothesis import strategies as st

from safename import is_safe_filename
from safename.converters import AnyConverter, IntConverter
from safename.django import (
    SafeFileSystemStorage,
    django_converter,
    register_converters,
    save_upload,
)
from safename.uploads import UploadReason, UploadRejectedError

WORK = Path(tempfile.mkdtemp(prefix="safename-django-"))
MEDIA = WORK / "media"
UPLOADS = WORK / "uploads"
MAX_BYTES = 100_000

if not settings.configured:
    settings.configure(
        ROOT_URLCONF=__name__,
        ALLOWED_HOSTS=["testserver"],
        MIDDLEWARE=[],
        INSTALLED_APPS=[],
        SECRET_KEY="only-for-tests",
        DATABASES={"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": WORK / "db"}},
        MEDIA_ROOT=MEDIA,
        STORAGES={
            "default": {"BACKEND": "safename.django.SafeFileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    django.setup()


class Document(models.Model):  # type: ignore[misc]
    """A real model whose file field uses the default storage: SafeFileSystemStorage."""

    file = models.FileField(upload_to="documents/")

    class Meta:
        app_label = "uploads_test"


with connection.schema_editor() as editor:
    editor.create_model(Document)

REGISTERED = register_converters()
register_converter(django_converter(AnyConverter("en", "de")), "lang")
register_converter(django_converter(IntConverter(max=10)), "small")


def echo(request: HttpRequest, value: object) -> HttpResponse:
    """Answer with the path parameter's repr, which says its type too."""
    return HttpResponse(repr(value))


def fallback(request: HttpRequest, value: str) -> HttpResponse:
    return HttpResponse(f"fallback {value!r}")


def upload_view(request: HttpRequest) -> HttpResponse:
    """save_upload in a view: 400 or 413 with the reason when refused."""
    try:
        saved = save_upload(
            request.FILES["file"], UPLOADS, allowed_extensions={"txt", "pdf"}, max_bytes=MAX_BYTES
        )
    except UploadRejectedError as error:
        status = 413 if error.reason is UploadReason.TOO_LARGE else 400
        return JsonResponse({"reason": error.reason.value}, status=status)
    return JsonResponse({"name": saved.name, "size": saved.size})


def document_view(request: HttpRequest) -> HttpResponse:
    """A model with a FileField: the storage names and saves the file."""
    document = Document.objects.create(file=request.FILES["file"])
    return JsonResponse({"name": document.file.name})


urlpatterns = [path(f"{kind}/<{kind}:value>", echo, name=kind) for kind in KINDS]
urlpatterns += [
    path("lang/<lang:value>", echo, name="lang"),
    path("small/<small:value>", echo, name="small"),
    path("small/<str:value>", fallback, name="small-fallback"),  # tried when "small" refuses
    path("upload/", upload_view),
    path("document/", document_view),
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


# --- uploads ------------------------------------------------------------------------------------


@pytest.fixture
def uploads() -> Path:
    for directory in (UPLOADS, MEDIA / "documents"):
        directory.mkdir(parents=True, exist_ok=True)
        for entry in directory.iterdir():
            entry.unlink()
    Document.objects.all().delete()
    return UPLOADS


def post(url: str, filename: str, data: bytes, client: Client = client) -> tuple[int, object]:
    response = client.post(url, {"file": SimpleUploadedFile(filename, data)})
    return response.status_code, response.json()


HOSTILE = [
    ("../../etc/passwd.txt", "passwd.txt"),  # Django keeps only the last component
    ("CON.txt", "_CON.txt"),
    ("my report.pdf", "my_report.pdf"),
    ("\u202eevil.txt", "evil.txt"),
    ("-rf.txt", "rf.txt"),
    ("nul.txt", "_nul.txt"),
]


@pytest.mark.parametrize(("filename", "stored"), HOSTILE)
def test_a_view_stores_hostile_names_safely(uploads: Path, filename: str, stored: str) -> None:
    assert post("/upload/", filename, b"data") == (200, {"name": stored, "size": 4})
    assert [entry.name for entry in uploads.iterdir()] == [stored]


@pytest.mark.parametrize(
    ("filename", "size", "status", "reason"),
    [
        ("evil.exe", 1, 400, "extension_not_allowed"),
        ("big.txt", MAX_BYTES + 1, 413, "too_large"),
        ("huge.txt", 40 * MAX_BYTES, 413, "too_large"),  # spooled to disk by Django
    ],
)
def test_a_view_refuses_with_4xx_and_leaves_nothing(
    uploads: Path, filename: str, size: int, status: int, reason: str
) -> None:
    assert post("/upload/", filename, b"x" * size) == (status, {"reason": reason})
    assert list(uploads.iterdir()) == []


@pytest.mark.parametrize(("filename", "stored"), HOSTILE)
def test_a_model_file_field_stores_hostile_names_safely(
    uploads: Path, filename: str, stored: str
) -> None:
    assert post("/document/", filename, b"data") == (200, {"name": f"documents/{stored}"})
    [document] = Document.objects.all()
    assert document.file.read() == b"data"
    assert (MEDIA / "documents" / stored).read_bytes() == b"data"


def test_twenty_concurrent_uploads_of_one_name_are_all_kept_intact(uploads: Path) -> None:
    contents = [f"upload {index}\n".encode() * (300 + index) for index in range(20)]

    def send(data: bytes) -> tuple[int, object]:
        try:
            return post("/document/", "same name.txt", data, Client())
        finally:
            connection.close()  # each thread has its own database connection

    answers = all_at_once(send, contents)
    assert all(status == 200 for status, _ in answers)
    names = {document.file.name for document in Document.objects.all()}
    assert len(names) == 20
    stored = list((MEDIA / "documents").iterdir())
    assert all(is_safe_filename(path.name) for path in stored)
    assert sorted(path.read_bytes() for path in stored) == sorted(contents)


def test_default_storage_never_overwrites_and_names_safely(uploads: Path) -> None:
    from django.core.files.storage import default_storage

    assert isinstance(default_storage, SafeFileSystemStorage)
    first = default_storage.save("documents/CON.txt", ContentFile(b"1"))
    second = default_storage.save("documents/CON.txt", ContentFile(b"2"))
    assert (first, second) == ("documents/_CON.txt", "documents/CON-1.txt")
    assert default_storage.open(first).read() == b"1"


def test_get_available_name_keeps_within_max_length(uploads: Path) -> None:
    storage = SafeFileSystemStorage(location=MEDIA)
    storage.save("documents/" + "a" * 40 + ".txt", ContentFile(b"x"))
    name = storage.get_available_name("documents/" + "a" * 40 + ".txt", max_length=30)
    assert len(name) <= 30
    assert name.endswith(".txt")
    with pytest.raises(SuspiciousFileOperation):
        storage.get_available_name("documents/a.txt", max_length=12)


def test_the_storage_refuses_to_be_told_to_overwrite() -> None:
    with pytest.raises(ValueError, match="never overwrites"):
        SafeFileSystemStorage(allow_overwrite=True)
