"""safename.starlette in a real FastAPI app: path parameters, and uploads saved by the adapter."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path

import pytest
from adapter_cases import all_at_once
from fastapi import FastAPI, HTTPException, UploadFile
from fastapi.testclient import TestClient

from safename import is_safe_filename
from safename.starlette import register_convertors, save_upload
from safename.uploads import UploadReason, UploadRejectedError

register_convertors()  # before the routes are made: FastAPI compiles each path then
app = FastAPI()


@app.get("/files/{name:safe_filename}")
def download(name: str) -> dict[str, str]:
    """The name arrives already a safe filename."""
    return {"name": name}


@app.get("/posts/{post_id:safe_int}")
def show_post(post_id: int) -> dict[str, int]:
    """One canonical URL per post."""
    return {"post_id": post_id}


@app.get("/items/{item_id:safe_uuid}")
def show_item(item_id: uuid.UUID) -> dict[str, str]:
    """A UUID in lower-case hyphenated form only."""
    return {"item_id": str(item_id)}


UPLOADS = Path(tempfile.mkdtemp(prefix="safename-fastapi-"))
MAX_BYTES = 100_000


@app.post("/upload")
async def upload(file: UploadFile) -> dict[str, object]:
    """The documented FastAPI example: save, or answer 400 / 413 with the reason."""
    try:
        saved = await save_upload(
            file, UPLOADS, allowed_extensions={"txt", "png"}, max_bytes=MAX_BYTES
        )
    except UploadRejectedError as error:
        status = 413 if error.reason is UploadReason.TOO_LARGE else 400
        raise HTTPException(status, detail=error.reason.value) from error
    return {"name": saved.name, "size": saved.size}


client = TestClient(app)


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/files/report-2024.pdf", {"name": "report-2024.pdf"}),
        ("/files/_CON.txt", {"name": "_CON.txt"}),
        ("/posts/42", {"post_id": 42}),
        (
            "/items/12345678-1234-5678-1234-567812345678",
            {"item_id": "12345678-1234-5678-1234-567812345678"},
        ),
    ],
)
def test_valid_values_reach_the_path_operation(path: str, body: dict[str, object]) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.json() == body


@pytest.mark.parametrize(
    "path",
    [
        "/files/CON.txt",
        "/files/.env",
        "/files/-rf",
        "/files/a%2F..%2Fb",
        "/posts/007",
        "/posts/%D9%A3",  # ARABIC-INDIC DIGIT THREE: not a second URL for post 3
        "/items/12345678-1234-5678-1234-56781234567A",
    ],
)
def test_refused_values_answer_404(path: str) -> None:
    assert client.get(path).status_code == 404


def test_url_path_for_writes_only_urls_that_route_back() -> None:
    assert app.url_path_for("download", name="report-2024.pdf") == "/files/report-2024.pdf"
    with pytest.raises(ValueError, match="not a safe filename"):
        app.url_path_for("download", name="../etc/passwd")


@pytest.fixture
def uploads() -> Path:
    for entry in UPLOADS.iterdir():
        entry.unlink()
    return UPLOADS


def post(filename: str, data: bytes) -> tuple[int, object]:
    response = client.post("/upload", files={"file": (filename, data, "application/octet-stream")})
    return response.status_code, response.json()


@pytest.mark.parametrize(
    ("filename", "stored"),
    [
        ("../../etc/passwd.txt", "etc_passwd.txt"),
        ("..\\..\\windows\\win.ini.txt", "windows_win.ini.txt"),
        ("CON.txt", "_CON.txt"),
        ("<script>alert(1)</script>.png", "scriptalert1_script.png"),
        ("\u202egnp.txt", "gnp.txt"),
        ("-rf.txt", "rf.txt"),
    ],
)
def test_hostile_names_are_stored_safely(uploads: Path, filename: str, stored: str) -> None:
    status, body = post(filename, b"data")
    assert (status, body) == (200, {"name": stored, "size": 4})
    assert [entry.name for entry in uploads.iterdir()] == [stored]


@pytest.mark.parametrize(
    ("filename", "size", "status", "detail"),
    [
        ("evil.exe", 1, 400, "extension_not_allowed"),
        ("photo.png.php", 1, 400, "extension_not_allowed"),
        ("big.txt", MAX_BYTES + 1, 413, "too_large"),
        ("huge.txt", 5 * MAX_BYTES, 413, "too_large"),
    ],
)
def test_refused_uploads_answer_4xx_and_leave_nothing(
    uploads: Path, filename: str, size: int, status: int, detail: str
) -> None:
    assert post(filename, b"x" * size) == (status, {"detail": detail})
    assert list(uploads.iterdir()) == []


def test_a_body_at_the_limit_is_saved_whole(uploads: Path) -> None:
    data = bytes(range(256)) * (MAX_BYTES // 256)
    assert post("exact.png", data) == (200, {"name": "exact.png", "size": len(data)})
    assert (uploads / "exact.png").read_bytes() == data


def test_twenty_concurrent_uploads_of_one_name_are_all_kept_intact(uploads: Path) -> None:
    contents = [f"upload {index}\n".encode() * (500 + index) for index in range(20)]
    answers = all_at_once(lambda data: post("same name.txt", data), contents)
    assert all(status == 200 for status, _ in answers)
    stored = list(uploads.iterdir())
    assert len(stored) == 20
    assert all(is_safe_filename(path.name) for path in stored)
    assert sorted(path.read_bytes() for path in stored) == sorted(contents)
