"""Flask integration: strict URL converters as an extension, and uploads saved safely.

Needs the ``flask`` extra (``pip install 'safename[flask]'``).

* :class:`SafeName` installs safename's converters in ``app.url_map.converters``:
  ``string``, ``int``, ``float``, ``path``, ``any`` and ``uuid`` keep the rule
  syntax Flask users already write and gain a strict round trip (``url_for``
  refuses a value that would not route back), and ``filename`` is added.
* :func:`save_upload` streams a Werkzeug ``FileStorage`` to a unique, sanitized
  name in a directory, atomically, within a size limit, leaving nothing behind
  on failure: a thin layer over :mod:`safename.uploads`, whose errors
  (:class:`UploadRejectedError`, :class:`UploadStorageError`...) it re-exports.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

from safename._packaging import require

# Fail here, with a message naming the extra, before the typed imports below.
require("flask", "flask")

from flask import Flask, current_app  # noqa: E402
from werkzeug.datastructures import FileStorage  # noqa: E402
from werkzeug.routing import BaseConverter, Map, ValidationError  # noqa: E402

from safename import uploads  # noqa: E402
from safename.audit._werkzeug import audit_rules_as_added  # noqa: E402
from safename.errors import ConversionError  # noqa: E402
from safename.filenames._rules import DEFAULT_MAX_LENGTH  # noqa: E402
from safename.routing._werkzeug import install as install_matcher  # noqa: E402
from safename.routing.converters import DEFAULT_CONVERTERS, Converter  # noqa: E402
from safename.routing.router import SAFE_IN_PATH  # noqa: E402
from safename.uploads import (  # noqa: E402
    UploadError,
    UploadReason,
    UploadRejectedError,
    UploadStorageError,
)

__all__ = [
    "CONFIG_DEFAULTS",
    "SafeName",
    "UploadError",
    "UploadReason",
    "UploadRejectedError",
    "UploadStorageError",
    "save_upload",
    "werkzeug_converter",
]

#: The ``app.config`` keys :class:`SafeName` reads, with their defaults.
#: ``SAFENAME_CONVERTERS``: install safename's converters in place of
#: Werkzeug's (``False`` keeps Werkzeug's and only adds ``filename``).
#: ``SAFENAME_FILENAME_MAX_LENGTH`` / ``SAFENAME_FILENAME_ALLOW_UNICODE``: the
#: defaults of ``<filename:...>`` rules. ``SAFENAME_UPLOAD_EXTENSIONS`` /
#: ``SAFENAME_UPLOAD_MAX_BYTES``: the limits :meth:`SafeName.save_upload` applies.
#: ``SAFENAME_MATCHER``: match the URL map in linear time (``False`` keeps
#: Werkzeug's matcher). ``SAFENAME_AUDIT``: with Werkzeug's matcher, check each
#: rule for a worst case slower than linear: ``"warn"``, ``"raise"`` or ``"off"``.
CONFIG_DEFAULTS: Final[Mapping[str, object]] = {
    "SAFENAME_CONVERTERS": True,
    "SAFENAME_MATCHER": True,
    "SAFENAME_AUDIT": "warn",
    "SAFENAME_FILENAME_MAX_LENGTH": DEFAULT_MAX_LENGTH,
    "SAFENAME_FILENAME_ALLOW_UNICODE": False,
    "SAFENAME_UPLOAD_EXTENSIONS": None,
    "SAFENAME_UPLOAD_MAX_BYTES": None,
}


def save_upload(
    file: FileStorage,
    directory: str | os.PathLike[str],
    *,
    allowed_extensions: Collection[str] | None = None,
    max_bytes: int | None = None,
) -> Path:
    """Save a Werkzeug upload under a sanitized, unique name in *directory*, atomically.

    :func:`safename.uploads.save_upload` on ``file.stream`` and
    ``file.filename``, with all its guarantees: a safe name that overwrites
    nothing, streamed within *max_bytes*, published whole in one atomic step,
    nothing left behind on failure.

    :param file: the upload, for example ``request.files["the_file"]``.
    :param directory: an existing directory (trusted).
    :param allowed_extensions: if given, the extensions accepted, without the
        dot, compared case-insensitively with the sanitized name's last one.
    :param max_bytes: if given, the largest size accepted, in bytes.
    :returns: the path of the saved file.
    :raises UploadRejectedError: (a ``ValueError``) with an :class:`UploadReason`:
        no client filename, a disallowed extension, or more than *max_bytes*.
    :raises UploadStorageError: (an ``OSError``) if writing failed.

    >>> import io, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> upload = FileStorage(io.BytesIO(b"hello"), filename="../../My notes.txt")
    >>> path = save_upload(upload, folder, allowed_extensions={"txt"})
    >>> path.name, path.read_bytes()
    ('My_notes.txt', b'hello')
    >>> save_upload(FileStorage(io.BytesIO(b"MZ"), filename="setup.exe"), folder,
    ...             allowed_extensions={"txt"})
    Traceback (most recent call last):
    ...
    safename.uploads.UploadRejectedError: upload 'setup.exe' refused: extension_not_allowed
    """
    saved = uploads.save_upload(
        file.stream,
        file.filename,
        directory,
        allowed_extensions=allowed_extensions,
        max_bytes=max_bytes,
    )
    return saved.path


class SafeName:
    """The Flask extension: safename's strict converters and upload limits for an app.

    ``SafeName(app)``, or ``SafeName()`` then ``init_app(app)`` in an app
    factory. Registers itself as ``app.extensions["safename"]`` and installs
    the converters in ``app.url_map.converters``, so rules keep their syntax
    (``<int:post_id>``, ``<any(a, b):x>``) and gain:

    * ``to_python`` refusing what the converter cannot read, so the rule
      does not match and the request gets a 404;
    * ``url_for`` refusing, with a :class:`~safename.ConversionError` that
      names the converter and the value, a value that would not route back
      (instead of building a URL that 404s);
    * a ``filename`` converter: ``/uploads/<filename:name>`` matches only
      names that pass :func:`~safename.is_safe_filename`.

    It also makes ``app.url_map`` match in time linear in the path, with
    Werkzeug's answers (:mod:`safename.routing._werkzeug`), so no URL can hold a
    worker on a rule like ``/<a>-<b>.txt`` or ``/<path:a>/<path:b>/x``.

    Configuration (``app.config``, defaults in :data:`CONFIG_DEFAULTS`):
    ``SAFENAME_CONVERTERS = False`` keeps Werkzeug's converters and adds only
    ``filename``. Install the extension before adding rules that use them.
    ``SAFENAME_MATCHER = False`` keeps Werkzeug's matcher; each rule is then
    audited as it is added (``SAFENAME_AUDIT``, see :mod:`safename.audit`).

    >>> from flask import Flask, url_for
    >>> app = Flask("example")
    >>> _ = SafeName(app)
    >>> @app.route("/files/<filename:name>")
    ... def download(name: str) -> str:
    ...     return name
    >>> app.test_client().get("/files/..").status_code
    404
    >>> with app.test_request_context():
    ...     url_for("download", name="report.pdf")
    '/files/report.pdf'
    """

    def __init__(self, app: Flask | None = None) -> None:
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the configuration of *app*, install the converters and register the extension."""
        for key, value in CONFIG_DEFAULTS.items():
            app.config.setdefault(key, value)
        filename_defaults = {
            "max_length": app.config["SAFENAME_FILENAME_MAX_LENGTH"],
            "allow_unicode": app.config["SAFENAME_FILENAME_ALLOW_UNICODE"],
        }
        names = DEFAULT_CONVERTERS if app.config["SAFENAME_CONVERTERS"] else ("filename",)
        for name in names:
            defaults = filename_defaults if name == "filename" else {}
            app.url_map.converters[name] = werkzeug_converter(DEFAULT_CONVERTERS[name], defaults)
        if not (app.config["SAFENAME_MATCHER"] and install_matcher(app.url_map)):
            audit_rules_as_added(app.url_map, app.config["SAFENAME_AUDIT"])
        app.extensions["safename"] = self

    def save_upload(self, file: FileStorage, directory: str | os.PathLike[str]) -> Path:
        """:func:`save_upload` with the current app's ``SAFENAME_UPLOAD_*`` limits.

        :raises UploadRejectedError: see :func:`save_upload`.
        :raises UploadStorageError: see :func:`save_upload`.
        :raises RuntimeError: outside an application context.

        >>> import io, tempfile
        >>> from flask import Flask
        >>> app = Flask("example")
        >>> app.config["SAFENAME_UPLOAD_MAX_BYTES"] = 3
        >>> extension = SafeName(app)
        >>> with app.app_context():
        ...     extension.save_upload(FileStorage(io.BytesIO(b"four"), filename="a.txt"),
        ...                           tempfile.mkdtemp())
        Traceback (most recent call last):
        ...
        safename.uploads.UploadRejectedError: upload 'a.txt' refused: too_large (more than 3 bytes)
        """
        config = current_app.config
        return save_upload(
            file,
            directory,
            allowed_extensions=config["SAFENAME_UPLOAD_EXTENSIONS"],
            max_bytes=config["SAFENAME_UPLOAD_MAX_BYTES"],
        )


def werkzeug_converter(
    converter_class: Callable[..., Converter[Any]],
    defaults: Mapping[str, object] | None = None,
) -> type[BaseConverter]:
    """Wrap a safename converter class as a Werkzeug converter class.

    The result is what ``app.url_map.converters`` expects: its constructor
    takes ``(map, *args, **kwargs)`` from the rule (``<int(min=1):page>``) and
    passes them, over *defaults*, to *converter_class*. ``to_python`` raises
    Werkzeug's ``ValidationError`` where safename raises
    :class:`~safename.ConversionError`, so the rule does not match, and reads
    the text Werkzeug's regex matched without checking again what that regex
    proved; ``to_url``
    percent-encodes safename's text as Werkzeug does, and lets a
    :class:`~safename.ConversionError` through with the converter named.

    :param converter_class: a class from :data:`safename.routing.converters.DEFAULT_CONVERTERS`.
    :param defaults: keyword arguments used when the rule does not give them.

    >>> from werkzeug.routing import Map, Rule
    >>> from safename.routing.converters import IntConverter
    >>> url_map = Map([Rule("/post/<int:post_id>", endpoint="post")],
    ...               converters={"int": werkzeug_converter(IntConverter)})
    >>> url_map.bind("example.org").match("/post/42")
    ('post', {'post_id': 42})
    >>> url_map.bind("example.org").build("post", {"post_id": -1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: cannot build a URL: IntConverter refuses -1: ...
    """
    base_arguments = dict(defaults or {})

    class SafenameWerkzeugConverter(BaseConverter):
        def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
            super().__init__(map)
            self.converter = converter_class(*args, **{**base_arguments, **kwargs})
            # Werkzeug calls to_python on a text the regex matched: what the
            # regex proved is not checked again (the converter's own to_python,
            # called directly, still checks everything).
            self._read = self.converter._matched_reader()
            self.regex = self.converter.regex
            self.weight = self.converter.weight
            self.part_isolating = self.converter.part_isolating

        def to_python(self, value: str) -> Any:
            try:
                return self._read(value)
            except ValueError:  # a ConversionError, or a reader's refusal
                raise ValidationError from None

        def to_url(self, value: Any) -> str:
            try:
                text = self.converter.to_url(value)
            except ConversionError as error:
                name = type(self.converter).__name__
                message = f"cannot build a URL: {name} refuses {value!r}: {error}"
                raise ConversionError(message) from error
            return quote(text, safe=SAFE_IN_PATH)

    name = getattr(converter_class, "__name__", "Converter")
    SafenameWerkzeugConverter.__name__ = SafenameWerkzeugConverter.__qualname__ = f"Werkzeug{name}"
    return SafenameWerkzeugConverter
