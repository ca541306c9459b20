"""The demo's pages: one small view per idea of Flask's quickstart."""

from __future__ import annotations

import contextlib
import mimetypes
import os
import stat
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    session,
    url_for,
)
from flask.globals import request_ctx
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import BadRequestKeyError, HTTPException, RequestEntityTooLarge
from werkzeug.routing import MapAdapter
from werkzeug.wrappers import Response as BaseResponse

from safename import (
    UnsafeArchiveError,
    UnsafeFilenameError,
    is_safe_filename,
    safe_extract,
    safe_join,
    secure_filename,
    validate_filename,
)
from safename.demo import storage
from safename.demo.forms import too_large_message
from safename.demo.text import echo
from safename.flask import SafeName, UploadReason, UploadRejectedError, UploadStorageError

__all__ = ["USERNAME_COOKIE", "blueprint", "register"]

#: The cookie that remembers the last name logged in with.
USERNAME_COOKIE: Final = "username"
_COOKIE_MAX_AGE: Final = 30 * 24 * 3600
_MAX_USERNAME_LENGTH: Final = 64
#: Types a browser could render as a page or run: served as opaque bytes.
_ACTIVE_TYPES: Final = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
    }
)
_DOWNLOAD_POLICY: Final = "default-src 'none'; sandbox"
_EXAMPLE_ITEM: Final = uuid.UUID("12345678-1234-5678-1234-567812345678")
#: The stem of a stored upload whose name keeps no ASCII letter or digit (``中文.txt``
#: becomes ``upload.txt``, then ``upload-1.txt``): a name a person can read, as in the
#: README, where the library's default is a random one. docs/flask.md says why.
UPLOAD_FALLBACK_STEM: Final = "upload"
#: The same for the folder of an extracted archive (``中文.zip`` goes into ``archive/``).
ARCHIVE_FALLBACK_STEM: Final = "archive"
# A new folder per archive: "photos", then "photos-1"... as unique_filename numbers files.
_MAX_FOLDER_SUFFIX: Final = 999

blueprint = Blueprint("demo", __name__)


@dataclass(frozen=True)
class StoredFile:
    """An uploaded file as the list shows it."""

    name: str
    size: int


def register(app: Flask) -> None:
    """Add the demo's routes to *app*, and its one error page for every HTTP error."""
    app.register_blueprint(blueprint)
    # HTTPException covers every code, and an unhandled error's 500; Flask leaves the
    # redirects of routing (a RoutingException) to themselves.
    app.register_error_handler(HTTPException, _error_page)


@blueprint.route("/")
def index() -> str:
    """The index: a greeting and a link to every page."""
    return render_template(
        "index.html",
        remembered=request.cookies.get(USERNAME_COOKIE),
        example_item=_EXAMPLE_ITEM,
    )


@blueprint.route("/hello")
def hello() -> str:
    """The quickstart's first route."""
    return render_template("value.html", title="Hello", text="Hello, World")


@blueprint.route("/user/<username>")
def show_user_profile(username: str) -> str:
    """The ``string`` converter (the default); the name is escaped by the template."""
    return render_template("value.html", title="User", text=f"User {username}")


@blueprint.route("/post/<int:post_id>")
def show_post(post_id: int) -> str:
    """The ``int`` converter."""
    return render_template("value.html", title="Post", text=f"Post {post_id:d}")


@blueprint.route("/path/<path:subpath>")
def show_subpath(subpath: str) -> str:
    """The ``path`` converter: slashes allowed, ``..`` segments refused."""
    return render_template("value.html", title="Path", text=f"Subpath {subpath}")


@blueprint.route("/price/<float:amount>")
def show_price(amount: float) -> str:
    """The ``float`` converter."""
    return render_template("value.html", title="Price", text=f"Price {amount!r}")


@blueprint.route("/color/<any(red, green, blue):color>")
def show_color(color: str) -> str:
    """The ``any`` converter."""
    return render_template("value.html", title="Color", text=f"Color {color}")


@blueprint.route("/item/<uuid:item_id>")
def show_item(item_id: uuid.UUID) -> str:
    """The ``uuid`` converter."""
    return render_template("value.html", title="Item", text=f"Item {item_id}")


@blueprint.route("/search")
def search() -> str:
    """Search the uploaded files by name, reading ``request.args.get('q', '')``."""
    query = request.args.get("q", "")
    matches = [stored for stored in _stored_files() if query.casefold() in stored.name.casefold()]
    return render_template("search.html", query=query, matches=matches)


@blueprint.route("/login", methods=["GET", "POST"])
def login() -> str | tuple[str, int] | BaseResponse:
    """Log in: ``request.form['username']``, a missing key answering 400."""
    if request.method == "POST":
        username = request.form["username"].strip()
        if not username or len(username) > _MAX_USERNAME_LENGTH:
            error = f"Enter a name of 1 to {_MAX_USERNAME_LENGTH} characters."
            # Echo no more than the form accepts: the page must not grow with the request.
            shown = username[:_MAX_USERNAME_LENGTH]
            return render_template("login.html", error=error, remembered=shown), 400
        # A fresh session on login, so a session planted before it is worth nothing.
        session.clear()
        session["username"] = username
        flash(f"Logged in as {username}.", "success")
        response = make_response(redirect(url_for("demo.index")))
        response.set_cookie(
            USERNAME_COOKIE,
            username,
            max_age=_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config["SESSION_COOKIE_SECURE"],
        )
        return response
    return render_template("login.html", remembered=request.cookies.get(USERNAME_COOKIE, ""))


@blueprint.route("/logout", methods=["POST"])
def logout() -> BaseResponse:
    """Log out (a POST, so that a link from another site cannot do it)."""
    session.pop("username", None)
    flash("Logged out.", "success")
    return redirect(url_for("demo.index"))


@blueprint.route("/upload", methods=["GET", "POST"])
def upload_file() -> str | tuple[str, int] | BaseResponse:
    """Show the upload form, or save ``request.files['the_file']`` with ``save_upload``."""
    if request.method == "GET":
        return render_template("upload.html")
    the_file = request.files["the_file"]
    destination = storage.bucket()
    if destination is None:
        folder = _upload_folder()
        folder.mkdir(parents=True, exist_ok=True)
    extension: SafeName = current_app.extensions["safename"]
    try:
        stored = extension.save_upload(_with_readable_fallback(the_file), destination or folder)
    except UploadRejectedError as error:
        if error.reason is UploadReason.TOO_LARGE:
            limit = current_app.config["SAFENAME_UPLOAD_MAX_BYTES"]
            abort(413, description=f"The file is larger than {limit:,} bytes, the upload limit.")
        return render_template("upload.html", error=_rejection_message(error)), 400
    except UploadStorageError:
        current_app.logger.exception("upload could not be stored")
        abort(500)
    # The session cookie carries the flashed message: the client's name only bounded (echo).
    flash(f"Saved {echo(the_file.filename or '')} as {stored.name}.", "success")
    return redirect(url_for("demo.list_uploads"))


@blueprint.route("/extract", methods=["GET", "POST"])
def extract_archive() -> str | tuple[str, int]:
    """Show the archive form, or extract ``request.files['archive']`` into a new folder.

    One policy with ``/upload``: every file of the archive must have a name the upload
    form would store unchanged, with an extension it accepts, and every folder a safe
    name; what is extracted is then listed and downloadable. An archive with one member
    that breaks a rule is refused whole, naming that member, and nothing is written.
    """
    if request.method == "GET":
        return render_template("extract.html")
    if storage.bucket() is not None:
        message = "Archives are extracted on disk only; this demo stores uploads in a bucket."
        return render_template("extract.html", error=message), 400
    archive = request.files["archive"]
    if not archive.filename:
        return render_template("extract.html", error="Choose a .zip file."), 400
    if not archive.filename.lower().endswith(".zip"):
        return render_template("extract.html", error="Only .zip archives are taken."), 400
    uploads = _upload_folder()
    uploads.mkdir(parents=True, exist_ok=True)
    folder = _new_archive_folder(uploads, archive.filename)
    try:
        files = _extract_by_upload_rules(archive.stream, folder)
    except (UnsafeArchiveError, RefusedMemberError) as error:
        folder.rmdir()  # empty: safe_extract leaves the folder as it was
        message = f"The archive was refused, and nothing was written: {error}."
        return render_template("extract.html", error=message), 400
    except OSError:
        with contextlib.suppress(OSError):
            folder.rmdir()
        current_app.logger.exception("archive could not be extracted")
        abort(500)
    count = f"{len(files)} file" if len(files) == 1 else f"{len(files)} files"
    summary = f"Extracted {count} from {echo(archive.filename)} into {folder.name}/:"
    extracted = [path.relative_to(uploads).as_posix() for path in files]
    return render_template("extract.html", summary=summary, extracted=extracted)


class RefusedMemberError(ValueError):
    """An archive that the upload rules refuse: *member* is the first member that breaks
    them (``None`` when the refusal is about the whole archive), *why* says which rule."""

    def __init__(self, member: str | None, why: str) -> None:
        super().__init__(why if member is None else f"member {member!r}: {why}")
        self.member = member


def _new_archive_folder(uploads: Path, archive_name: str) -> Path:
    """A new, empty folder in *uploads*, named after the archive: created here, by this call."""
    stem = os.path.splitext(secure_filename(archive_name, fallback=ARCHIVE_FALLBACK_STEM))[0]
    # splitext leaves a stem of at least one safe character; the suffix must fit 255 bytes.
    stem = stem[:240]
    for number in range(_MAX_FOLDER_SUFFIX + 1):
        folder = uploads / (stem if number == 0 else f"{stem}-{number}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise FileExistsError(f"no free folder name for {stem!r} in {uploads}")


def _extract_by_upload_rules(stream: IO[bytes], folder: Path) -> list[Path]:
    """Check every member, then extract them all into *folder*; return the files written."""
    config = current_app.config
    limits = {
        "max_members": config["SAFENAME_EXTRACT_MAX_MEMBERS"],
        "max_total_bytes": config["SAFENAME_EXTRACT_MAX_BYTES"],
    }
    start = stream.tell()
    # First safename's own checks (names, links, limits), reading everything, writing nothing.
    safe_extract(stream, folder, dry_run=True, **limits)
    stream.seek(start)
    _check_members(stream)
    stream.seek(start)
    written = safe_extract(stream, folder, **limits)
    return [path for path in written if path.is_file()]


def _check_members(stream: IO[bytes]) -> None:
    """Raise :class:`RefusedMemberError` for the first member that breaks the upload rules."""
    with zipfile.ZipFile(stream) as listing:
        files = [info for info in listing.infolist() if not _is_directory(info)]
    if not files:
        raise RefusedMemberError(None, "it holds no file")
    for info in files:
        why = _member_problem(info.orig_filename)
        if why is not None:
            raise RefusedMemberError(info.orig_filename, why)


def _is_directory(info: zipfile.ZipInfo) -> bool:
    # As safe_extract reads a zip: a trailing slash, or a directory's mode.
    return info.orig_filename.endswith("/") or stat.S_ISDIR(info.external_attr >> 16)


def _member_problem(name: str) -> str | None:
    """Why an upload of this member's file would be stored otherwise or refused, or ``None``."""
    parts = [part for part in name.split("/") if part not in ("", ".")]
    for part in parts:
        try:
            validate_filename(part)
        except UnsafeFilenameError as error:
            reason = error.reason.value.replace("_", " ")
            renamed = secure_filename(part, fallback=UPLOAD_FALLBACK_STEM)
            return f"{part!r} is not a safe name ({reason}): an upload would be renamed {renamed!r}"
    extension = os.path.splitext(parts[-1])[1].lstrip(".").lower()
    allowed = current_app.config["SAFENAME_UPLOAD_EXTENSIONS"]
    if allowed is not None and extension not in {item.lstrip(".").lower() for item in allowed}:
        kind = f".{extension} files" if extension else "files without an extension"
        return f"{kind} are not accepted (allowed: {', '.join(sorted(allowed))})"
    return None


@blueprint.route("/uploads/")
def list_uploads() -> str:
    """The uploaded files, each linked to its download."""
    return render_template("uploads.html", files=_stored_files())


@blueprint.route("/uploads/<path:name>")
def download(name: str) -> Response:
    """Send an upload, or a file of an extracted archive's folder, as an attachment that
    cannot run script in this origin. Only what the list shows: every part a safe name."""
    if not all(is_safe_filename(part) for part in name.split("/")):
        abort(404)
    guessed, _ = mimetypes.guess_type(name)
    mimetype = "application/octet-stream" if guessed in _ACTIVE_TYPES or not guessed else guessed
    destination = storage.bucket()
    if destination is not None:
        # Streamed from the bucket in chunks, never whole in memory.
        body = storage.open_object(destination, name)
        if body is None:
            abort(404)
        download_name = name.rpartition("/")[2]
        response = send_file(
            body, mimetype=mimetype, as_attachment=True, download_name=download_name
        )
    else:
        path = Path(safe_join(_upload_folder(), name))
        if not path.is_file():
            abort(404)
        response = send_file(path, mimetype=mimetype, as_attachment=True, download_name=path.name)
    response.headers["Content-Security-Policy"] = _DOWNLOAD_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _with_readable_fallback(the_file: FileStorage) -> FileStorage:
    """*the_file* under its safe name with :data:`UPLOAD_FALLBACK_STEM` as the fallback.

    ``save_upload`` sanitizes again, which changes nothing (a safe name is a fixed point),
    and still refuses a missing name and checks the extension of this one.
    """
    name = the_file.filename
    if not name or not name.strip():
        return the_file
    readable = secure_filename(name, fallback=UPLOAD_FALLBACK_STEM)
    return FileStorage(the_file.stream, filename=readable, name=the_file.name)


def _upload_folder() -> Path:
    return Path(current_app.config["UPLOAD_FOLDER"])


def _stored_files() -> list[StoredFile]:
    """Finished uploads and extracted files, by path in the upload folder.

    What :func:`download` serves: every part of the path a safe name, which leaves out
    the hidden ``.safename-*.part`` temporaries of uploads and extractions under way.
    """
    destination = storage.bucket()
    if destination is not None:
        return [StoredFile(name, size) for name, size in storage.stored_objects(destination)]
    folder = _upload_folder()
    found: list[StoredFile] = []
    for directory, subfolders, files in os.walk(folder):  # a missing folder yields nothing
        subfolders[:] = [name for name in subfolders if is_safe_filename(name)]
        for name in files:
            path = Path(directory, name)
            if is_safe_filename(name) and path.is_file():
                found.append(StoredFile(path.relative_to(folder).as_posix(), path.stat().st_size))
    return sorted(found, key=lambda stored: stored.name)


def _rejection_message(error: UploadRejectedError) -> str:
    if error.reason is UploadReason.EMPTY_NAME:
        return "Choose a file to upload."
    allowed = ", ".join(sorted(current_app.config["SAFENAME_UPLOAD_EXTENSIONS"] or ()))
    return f"Files of that type are not accepted. Allowed: {allowed}."


def _error_page(error: HTTPException) -> tuple[str, int] | Response:
    """The one error page: the code, its name and what went wrong, in the look of every page."""
    code = error.code or 500
    if request_ctx.url_adapter is None:
        # The Host header is not trusted, so Flask built no adapter for it; the page's links
        # are relative paths, which need an adapter but no host name of the client's.
        request_ctx.url_adapter = _adapter_without_host()
        stylesheet = _static_file_asked_for()
        if stylesheet is not None:
            # The error page's own stylesheet, asked for with the same Host: a static file
            # says nothing built from the Host, and without it the page would lose its look.
            return current_app.send_static_file(stylesheet)
    return render_template(
        "error.html", code=code, name=error.name, description=_description(error)
    ), code


def _description(error: HTTPException) -> str:
    if isinstance(error, RequestEntityTooLarge):
        return too_large_message(error)
    if isinstance(error, BadRequestKeyError) and error.args:
        # request.form["x"] or request.files["x"] without that field: Werkzeug's text does
        # not say which (outside debug mode); the key is the app's own, not the client's.
        return f"The form sent has no field named “{error.args[0]}”. Send the form from its page."
    return error.description or "Something went wrong."


def _static_file_asked_for() -> str | None:
    """The static file a GET asks for, if it is one; a 404 for a missing one stays an error."""
    if request.method != "GET" or request_ctx.url_adapter is None:
        return None
    try:
        endpoint, arguments = request_ctx.url_adapter.match(request.path, method="GET")
    except HTTPException:
        return None
    if (
        endpoint != "static"
        or not (Path(current_app.static_folder or "") / arguments["filename"]).is_file()
    ):
        return None
    return str(arguments["filename"])


def _adapter_without_host() -> MapAdapter:
    return current_app.url_map.bind(
        "localhost", script_name=request.root_path or "/", url_scheme=request.scheme
    )
