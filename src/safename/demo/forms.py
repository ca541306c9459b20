"""Reading the demo's request bodies: a 400 that says what is wrong, a 413 that names the limit.

Werkzeug reads a malformed form (a wrong or missing multipart boundary, a truncated body, a
part header that is not UTF-8) as an empty one, which a view then reports as something else,
such as a missing CSRF token. The demo parses the form before anything reads it and answers
a malformed one with what is wrong. Werkzeug's 413 does not say which of its three limits was
hit (the body's length, the number of form parts, the size of one form field): the demo names
it. Neither message repeats the parser's own words (``cannot parse beyond State.DATA``),
which describe its internals, not the request.
"""

from __future__ import annotations

import traceback
from typing import Final

from flask import Flask, Request, abort, request
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.formparser import FormDataParser

from safename.demo.text import echo

__all__ = [
    "BODY_METHODS",
    "FORM_TYPES",
    "FormRequest",
    # Kept here, where it was first published; the demo's one echo helper lives in text.
    "echo",
    "install",
    "malformed_form_message",
    "too_large_message",
]

#: The methods whose requests carry a body that a view may read as a form.
BODY_METHODS: Final = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The content types a form is sent with.
FORM_TYPES: Final = ("multipart/form-data", "application/x-www-form-urlencoded")

# Where Werkzeug raises its bare 413 (the innermost frame), and the limit each place checks.
# Anything else is reported with every limit; a test per limit notices a change in Werkzeug.
_FORM_PARTS: Final = "form parts"
_FORM_MEMORY: Final = "form memory"
_CONTENT_LENGTH: Final = "content length"
_RAISED_BY: Final = {
    "MultipartDecoder.next_event": _FORM_PARTS,
    "MultipartDecoder.receive_data": _FORM_MEMORY,
    "MultiPartParser.parse": _FORM_MEMORY,
    "get_input_stream": _CONTENT_LENGTH,
    "LimitedStream.on_exhausted": _CONTENT_LENGTH,
}


class FormRequest(Request):
    """Flask's request, except that a malformed form raises ``ValueError`` instead of reading
    as an empty form.

    >>> from werkzeug.test import EnvironBuilder
    >>> def broken_form() -> dict[str, object]:
    ...     body, content_type = b"--b\\r\\nbroken", "multipart/form-data; boundary=b"
    ...     return EnvironBuilder(method="POST", data=body, content_type=content_type).get_environ()
    >>> len(Request(broken_form()).form)  # Flask's own request reads it as an empty form
    0
    >>> try:
    ...     FormRequest(broken_form()).form
    ... except ValueError as error:
    ...     print("refused:", error)  # doctest: +ELLIPSIS
    refused: Invalid form-data ...
    """

    def make_form_data_parser(self) -> FormDataParser:
        """Werkzeug's parser, not silent: its ``ValueError`` says what is wrong with the body."""
        parser = super().make_form_data_parser()
        parser.silent = False
        return parser


def install(app: Flask) -> None:
    """Parse the form of every request that its route takes, refusing a malformed one.

    Install it before anything that reads ``request.form`` in a ``before_request`` (the CSRF
    check). A request for an unknown URL, or with a method its URL does not take, is left to
    Flask's 404 or 405.
    """
    app.request_class = FormRequest
    app.before_request(_read_form)


def _read_form() -> None:
    if request.method not in BODY_METHODS or request.routing_exception is not None:
        return
    has_body = bool(request.content_length) or "Transfer-Encoding" in request.headers
    if has_body and request.mimetype not in FORM_TYPES:
        sent = echo(request.content_type) if request.content_type else "missing"
        abort(
            400,
            description=f"The request body is not a form: its Content-Type is {sent}, not "
            f"{FORM_TYPES[0]} or {FORM_TYPES[1]}.",
        )
    try:
        request.form  # noqa: B018 - reading it parses it, once
    except ValueError as error:
        abort(400, description=f"The form could not be read: {malformed_form_message(error)}")


def malformed_form_message(error: ValueError) -> str:
    """What is wrong with a form that Werkzeug's parser refused with *error*, in the
    request's terms rather than the parser's.

    >>> malformed_form_message(ValueError("Invalid form-data cannot parse beyond State.DATA"))
    'its body ends too early, or its parts do not match the boundary its Content-Type names.'
    >>> malformed_form_message(ValueError("Missing boundary"))
    'its Content-Type is multipart/form-data but names no boundary.'
    """
    if isinstance(error, UnicodeDecodeError):
        return "a field name or file name in it is not UTF-8."
    message = str(error)
    if message == "Missing boundary":
        return "its Content-Type is multipart/form-data but names no boundary."
    if "Content-Disposition" in message:
        return "a part of it has no Content-Disposition header to name its field."
    return "its body ends too early, or its parts do not match the boundary its Content-Type names."


def too_large_message(error: RequestEntityTooLarge) -> str:
    """What a 413 says: the limit of this request that *error* reports, and its value.

    Call it while handling the request. A description given when the 413 was raised
    (``abort(413, description=...)``) is kept as it is.
    """
    if error.description != RequestEntityTooLarge.description:
        return str(error.description)
    limit = _limit_hit(error)
    body_limit = request.max_content_length
    if limit == _CONTENT_LENGTH and body_limit is not None:
        return (
            f"The request is larger than {body_limit:,} bytes, the limit of the whole request "
            "body: a file and the rest of its form together."
        )
    if limit == _FORM_PARTS and request.max_form_parts is not None:
        return f"The form has more than {request.max_form_parts:,} parts (fields and files)."
    if limit == _FORM_MEMORY and request.max_form_memory_size is not None:
        return (
            f"A form field is larger than {request.max_form_memory_size:,} bytes, the most "
            "read into memory for one field (files are not held to this limit)."
        )
    return (
        f"The request is too large. The limits: {body_limit or 'none'} bytes of body, "
        f"{request.max_form_parts or 'any number of'} form parts, "
        f"{request.max_form_memory_size or 'no limit of'} bytes of one form field."
    )


def _limit_hit(error: RequestEntityTooLarge) -> str | None:
    length, body_limit = request.content_length, request.max_content_length
    if length is not None and body_limit is not None and length > body_limit:
        return _CONTENT_LENGTH
    frames = list(traceback.walk_tb(error.__traceback__))
    return _RAISED_BY.get(frames[-1][0].f_code.co_qualname) if frames else None
