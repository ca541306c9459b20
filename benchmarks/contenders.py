"""The other libraries' filename sanitizers, each wrapped to take a name and never raise.

A benchmark imports the ones it races against safename. Each wrapper turns the
library's refusal (an exception) into ``None``, so that one refused name does
not end a timing run. The libraries are imported once, here, so that no call
pays for an import; they come with the ``dev`` extra.
"""

from __future__ import annotations

from django.core.exceptions import SuspiciousFileOperation
from django.utils.text import get_valid_filename
from pathvalidate import sanitize_filename
from werkzeug.utils import secure_filename

__all__ = ["django_get_valid_filename", "pathvalidate_sanitize", "werkzeug_secure_filename"]


def werkzeug_secure_filename(name: str) -> str:
    """``werkzeug.utils.secure_filename``: the function safename is a drop-in for."""
    return secure_filename(name)


def pathvalidate_sanitize(name: str) -> str | None:
    """``pathvalidate.sanitize_filename``, or ``None`` where it raises (lone surrogates...)."""
    try:
        return str(sanitize_filename(name))
    except ValueError:
        return None


def django_get_valid_filename(name: str) -> str | None:
    """``django.utils.text.get_valid_filename``, or ``None`` where it raises (``..``, empty)."""
    try:
        return str(get_valid_filename(name))
    except SuspiciousFileOperation:
        return None
