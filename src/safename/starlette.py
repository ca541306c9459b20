"""safename's converters as Starlette convertors (FastAPI path parameter types), and uploads.

Needs the ``starlette`` extra. :func:`save_upload` saves an ``UploadFile`` with
every guarantee of :func:`safename.uploads.save_upload`. :func:`register_convertors` registers each
converter under a prefixed name (``safe_filename``, ``safe_int`` ...), so that
Starlette's own ``int``, ``path`` ... keep their meaning in every other route:

>>> from starlette.routing import Route, Router
>>> names = register_convertors()
>>> router = Router([Route("/files/{name:safe_filename}", lambda request: None, name="file")])
>>> router.url_path_for("file", name="report 2024.pdf")
Traceback (most recent call last):
...
safename.errors.ConversionError: not a safe filename: 'report 2024.pdf' (invalid_character)
>>> router.url_path_for("file", name="report-2024.pdf")
'/files/report-2024.pdf'

Starlette matches routes on the *decoded* path and does not quote what
``to_string`` returns, so :class:`SafenameConvertor` percent-encodes it: a
value with a space, ``?``, ``#`` or ``%`` comes back from the URL unchanged.
Starlette has no way for a convertor to decline a match, so a text that fits a
convertor's regex but is not a valid value (``CON.txt`` for ``safe_filename``,
``11`` for an ``IntConverter(max=10)``) answers 404 Not Found at once, by
raising :class:`~starlette.exceptions.HTTPException`; later routes are not
tried for that request.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Collection
from typing import Any, Final, TypeVar
from urllib.parse import quote

from safename._packaging import require
from safename.routing.converters import DEFAULT_CONVERTERS, REGISTERED_NAMES, Converter
from safename.uploads import SavedUpload, UploadDestination, save_upload_async

require("starlette", "starlette")

from starlette.convertors import Convertor, register_url_convertor  # noqa: E402
from starlette.datastructures import UploadFile  # noqa: E402
from starlette.exceptions import HTTPException  # noqa: E402

__all__ = ["SafenameConvertor", "register_convertors", "save_upload"]

T = TypeVar("T")


_NOT_FOUND: Final = 404
# Characters that may stand unquoted in a path segment (RFC 3986 "pchar"),
# besides the letters, digits and "_.-~" that quote() never encodes.
_SEGMENT_SAFE: Final = "!$&'()*+,;=:@"
_UNRESERVED: Final = string.ascii_letters + string.digits + "_.-~"


class SafenameConvertor(Convertor[T]):
    """A Starlette convertor that reads and writes with a safename converter.

    ``convert`` is the converter's ``to_python`` for a text Starlette's regex
    matched (what the regex proved is not checked again); a refused text
    becomes a 404.
    ``to_string`` is its ``to_url``, percent-encoded for the URL (``/`` is
    kept for a converter whose values span segments); a value the converter
    refuses raises :class:`~safename.ConversionError` from ``url_path_for``.

    :param converter: any :class:`~safename.routing.converters.Converter`, with its arguments.

    >>> from safename.routing.converters import IntConverter, StringConverter
    >>> SafenameConvertor(IntConverter(max=10)).convert("7")
    7
    >>> SafenameConvertor(StringConverter()).to_string("50% off?")
    '50%25%20off%3F'
    """

    def __init__(self, converter: Converter[T]) -> None:
        self.converter = converter
        # Starlette converts a text its regex matched: what the regex proved
        # is not checked again.
        self._read = converter._matched_reader()
        # Starlette declares regex a ClassVar, but compile_path reads it from
        # the instance, and each converter's regex depends on its arguments.
        self.__dict__["regex"] = converter.regex
        self._safe = _SEGMENT_SAFE if converter.part_isolating else _SEGMENT_SAFE + "/"
        # Most texts (every number and UUID) need no quoting, and quote() is slow.
        self._plain = re.compile(f"[{re.escape(_UNRESERVED + self._safe)}]*").fullmatch

    def convert(self, value: str) -> T:
        """Read the decoded path text *value*, or answer 404 Not Found.

        :raises HTTPException: 404, if the converter refuses *value*.
        """
        try:
            return self._read(value)
        except ValueError as error:  # a ConversionError, or a reader's refusal
            raise HTTPException(_NOT_FOUND) from error

    def to_string(self, value: T) -> str:
        """Write *value* as percent-encoded URL path text.

        :raises ConversionError: if the converter cannot write *value*.
        """
        text = self.converter.to_url(value)
        return text if self._plain(text) else quote(text, safe=self._safe)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.converter!r})"


def register_convertors(*, prefix: str = "safe_") -> list[str]:
    """Register safename's converters with Starlette, each under *prefix* + its name.

    Registers ``string``, ``int``, ``float``, ``path``, ``uuid`` and
    ``filename`` with their default arguments. Starlette's registry is
    global: routes compiled after this call, in any app, can use the names.
    Calling it again is harmless. For a converter with arguments, register
    your own: ``register_url_convertor("lang", SafenameConvertor(AnyConverter("en", "de")))``.

    :param prefix: prepended to each name. ``prefix=""`` replaces
        Starlette's own ``int``, ``float``, ``path`` and ``uuid`` everywhere.
    :returns: the registered names.

    >>> register_convertors()
    ['safe_string', 'safe_int', 'safe_float', 'safe_path', 'safe_uuid', 'safe_filename']
    """
    names = []
    for name in REGISTERED_NAMES:
        converter: Converter[Any] = DEFAULT_CONVERTERS[name]()
        register_url_convertor(prefix + name, SafenameConvertor(converter))
        names.append(prefix + name)
    return names


async def save_upload(
    upload_file: UploadFile,
    directory: str | os.PathLike[str] | UploadDestination,
    *,
    allowed_extensions: Collection[str] | None = None,
    max_bytes: int | None = None,
) -> SavedUpload:
    """Save a Starlette or FastAPI ``UploadFile`` under a safe, unique name in *directory*.

    :func:`safename.uploads.save_upload_async` on the file and its
    ``filename``, with all its guarantees: the name is
    ``secure_filename(upload_file.filename)`` or a numbered one, nothing is
    overwritten, the data is read with ``await upload_file.read(n)`` within
    *max_bytes*, published whole in one atomic step, and nothing is left on
    failure. Starlette has already parsed the request body into the
    ``UploadFile`` (spooled to disk past 1 MiB); for a limit on the request
    itself, use a middleware or your server's limit too.

    :param upload_file: the upload, such as a FastAPI ``file: UploadFile`` parameter.
    :param directory: an existing directory (trusted), or an
        :class:`~safename.uploads.S3Bucket`: its requests run in worker threads.
    :param allowed_extensions: if given, the extensions accepted, without the dot.
    :param max_bytes: if given, the largest size accepted, in bytes.
    :returns: the stored name, path and size.
    :raises ~safename.uploads.UploadRejectedError: (a ``ValueError``) with an
        :class:`~safename.uploads.UploadReason`; answer 400 or 413.
    :raises ~safename.uploads.UploadStorageError: (an ``OSError``) if writing failed.

    >>> import asyncio, io, tempfile
    >>> upload = UploadFile(io.BytesIO(b"%PDF"), filename="../../Quarterly report.pdf")
    >>> saved = asyncio.run(save_upload(upload, tempfile.mkdtemp(), allowed_extensions={"pdf"}))
    >>> saved.name, saved.size
    ('Quarterly_report.pdf', 4)
    """
    return await save_upload_async(
        upload_file,
        upload_file.filename,
        directory,
        allowed_extensions=allowed_extensions,
        max_bytes=max_bytes,
    )
