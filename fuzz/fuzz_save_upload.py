#!/usr/bin/env python3
"""Fuzz ``safename.flask.save_upload`` with raw multipart bodies posted through Flask's test client.

The input is the request body, sent as ``multipart/form-data`` with the
boundary ``fuzzboundary``. Whatever werkzeug parses out of it, each file part
is saved by ``save_upload`` into a fresh directory, and the harness checks that
every stored name is safe and unique, every stored file holds exactly its
part's bytes within the limit, refusals are typed, and nothing else is left.
Run: ``python fuzz/fuzz_save_upload.py [libFuzzer flags] [corpus folders]``.
"""

from __future__ import annotations

import atexit
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import atheris
from _harness import expect

# Werkzeug's multipart parser is instrumented too, so libFuzzer learns the body's shape.
with atheris.instrument_imports():
    from flask import Flask, current_app, jsonify, request
    from flask.typing import ResponseReturnValue

    from safename import is_safe_filename
    from safename.flask import UploadReason, UploadRejectedError, save_upload

BOUNDARY = "fuzzboundary"
ALLOWED_EXTENSIONS = frozenset({"txt", "pdf", "gz"})
MAX_BYTES = 64
ROOT = Path(tempfile.mkdtemp(prefix="fuzz-save-upload-"))
atexit.register(shutil.rmtree, ROOT, ignore_errors=True)

app = Flask(__name__)
# An unexpected exception in the view reaches the harness instead of becoming a 500.
app.testing = True


@app.post("/upload")
def upload() -> ResponseReturnValue:
    """Save every file part; answer what was stored and what was refused."""
    directory = current_app.config["UPLOAD_DIRECTORY"]
    outcomes: list[dict[str, Any]] = []
    for _field, file in request.files.items(multi=True):
        content = file.stream.read()
        file.stream.seek(0)
        try:
            path = save_upload(
                file, directory, allowed_extensions=ALLOWED_EXTENSIONS, max_bytes=MAX_BYTES
            )
        except UploadRejectedError as error:
            expect(isinstance(error.reason, UploadReason), "untyped refusal", error.reason)
            outcomes.append({"client": file.filename, "refused": error.reason.value})
            continue
        expect(path.parent == Path(directory), "saved outside the directory", path)
        expect(path.read_bytes() == content, "stored bytes differ", path, content)
        outcomes.append({"client": file.filename, "stored": path.name, "size": len(content)})
    return jsonify(outcomes)


def check_outcomes(outcomes: list[dict[str, Any]], directory: Path) -> None:
    """The directory holds exactly the stored files, each safe, allowed and within the limit."""
    stored = [outcome["stored"] for outcome in outcomes if "stored" in outcome]
    present = sorted(path.name for path in directory.iterdir())
    expect(sorted(stored) == present, "left other files behind", stored, present)
    expect(len(set(stored)) == len(stored), "two uploads share a name", stored)
    for outcome in outcomes:
        if "stored" not in outcome:
            continue
        name = outcome["stored"]
        expect(is_safe_filename(name), "stored an unsafe name", outcome)
        expect(name.rpartition(".")[2].lower() in ALLOWED_EXTENSIONS, "bad extension", outcome)
        expect(outcome["size"] <= MAX_BYTES, "stored more than max_bytes", outcome)
        expect((directory / name).is_file(), "stored a non-file", outcome)


def test_one_input(data: bytes) -> None:
    """Post *data* as a multipart body and check the directory afterwards."""
    directory = Path(tempfile.mkdtemp(dir=ROOT))
    app.config["UPLOAD_DIRECTORY"] = directory
    try:
        response = app.test_client().post(
            "/upload",
            data=data,
            content_type=f"multipart/form-data; boundary={BOUNDARY}",
        )
        expect(response.status_code in (200, 400, 413), "unexpected status", response.status)
        if response.status_code == 200:
            check_outcomes(response.get_json(), directory)
        else:
            expect(not any(directory.iterdir()), "stored a file from a bad request", data)
        expect([directory] == list(ROOT.iterdir()), "wrote beside the directory", data)
    finally:
        shutil.rmtree(directory)


def main() -> None:
    """Start libFuzzer with the command line's flags and corpus folders."""
    atheris.Setup(sys.argv, test_one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
