"""safename.starlette in a real FastAPI app: path parameters read and refused by the adapter."""

from __future__ import annotations

import uuid

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from safename.starlette import register_convertors

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
