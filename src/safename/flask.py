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
import sys
import uuid
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from types import FrameType
from typing import Any, Final
from urllib.parse import quote

from safename._packaging import require

# Fail here, with a message naming the extra, before the typed imports below.
require("flask", "flask")

from flask import Flask, current_app  # noqa: E402
from werkzeug.datastructures import FileStorage  # noqa: E402
from werkzeug.routing import BaseConverter, Map, ValidationError  # noqa: E402
from werkzeug.routing import converters as werkzeug_converters  # noqa: E402

from safename import uploads  # noqa: E402
from safename.audit._werkzeug import audit_rules_as_added  # noqa: E402
from safename.errors import ConversionError  # noqa: E402
from safename.filenames._rules import DEFAULT_MAX_LENGTH  # noqa: E402
from safename.routing._arguments import show  # noqa: E402
from safename.routing._werkzeug import install as install_matcher  # noqa: E402
from safename.routing.converters import (  # noqa: E402
    DEFAULT_CONVERTERS,
    AnyConverter,
    Converter,
    FloatConverter,
    IntConverter,
    PathConverter,
    StringConverter,
    UUIDConverter,
)
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
    directory: str | os.PathLike[str] | uploads.UploadDestination,
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
    :param directory: an existing directory (trusted), or an
        :class:`~safename.uploads.S3Bucket` to store into object storage.
    :param allowed_extensions: if given, the extensions accepted, without the
        dot, compared case-insensitively with the sanitized name's last one.
    :param max_bytes: if given, the largest size accepted, in bytes.
    :returns: the path of the saved file (in a bucket: its key, as a relative path).
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

    def save_upload(
        self, file: FileStorage, directory: str | os.PathLike[str] | uploads.UploadDestination
    ) -> Path:
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
    passes them, over *defaults*, to *converter_class*.

    Matching answers as Werkzeug does: a built-in converter that stands in
    for one of Werkzeug's (``string``, ``int``, ``float``, ``path``, ``any``,
    ``uuid``) matches with Werkzeug's regex, so a URL reaches the rule it
    reaches in plain Flask, and the 404, 405 and redirect answers are
    Werkzeug's. ``to_python`` then reads the text; where it refuses, it raises
    Werkzeug's ``ValidationError``, so the answer is the one Werkzeug gives
    when its own converter refuses a value. A number or UUID written in
    another form than the canonical one (``9.90``, ``007``, upper-case hex)
    is read as Werkzeug reads it, when its digits are ASCII and the value is
    one the converter would write: ``/prices/9.90`` gives ``9.9``.

    ``to_url`` is strict: it lets a :class:`~safename.ConversionError`, with
    the converter named, through for a value that would not route back, and
    percent-encodes safename's text as Werkzeug does. The one exception is a
    rule's ``defaults``: Werkzeug writes them into the rule when it is added,
    whatever the converter thinks of them, and so does this class, so every
    rule plain Flask accepts is accepted.

    :param converter_class: a class from :data:`safename.routing.converters.DEFAULT_CONVERTERS`.
    :param defaults: keyword arguments used when the rule does not give them.

    >>> from werkzeug.routing import Map, Rule
    >>> from safename.routing.converters import FloatConverter, IntConverter
    >>> url_map = Map([Rule("/post/<int:post_id>", endpoint="post"),
    ...                Rule("/price/<float:amount>", endpoint="price")],
    ...               converters={"int": werkzeug_converter(IntConverter),
    ...                           "float": werkzeug_converter(FloatConverter)})
    >>> url_map.bind("example.org").match("/post/42")
    ('post', {'post_id': 42})
    >>> url_map.bind("example.org").match("/price/9.90")
    ('price', {'amount': 9.9})
    >>> url_map.bind("example.org").build("post", {"post_id": -1})  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safename.errors.ConversionError: cannot build a URL: IntConverter refuses -1: ...
    """
    base_arguments = dict(defaults or {})

    class SafenameWerkzeugConverter(BaseConverter):
        def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
            super().__init__(map)
            self.converter = converter = converter_class(*args, **{**base_arguments, **kwargs})
            self.werkzeug = _werkzeug_twin(converter, map, args, kwargs)
            regex_of = converter if self.werkzeug is None else self.werkzeug
            self.regex = regex_of.regex
            self.weight = regex_of.weight
            self.part_isolating = regex_of.part_isolating
            self._reads_other_forms = type(converter) in _OTHER_FORMS and self.werkzeug is not None
            fast = _fast_writer(converter)
            if fast is not None:
                # Werkzeug's builder looks to_url up on the instance: no method call between.
                self.to_url = fast(self._to_url)  # type: ignore[method-assign,assignment]

        def to_python(self, value: str) -> Any:
            try:
                return self.converter.to_python(value)
            except ConversionError:
                if not self._reads_other_forms:
                    raise ValidationError from None
            return self._read_other_form(value)

        def _read_other_form(self, text: str) -> Any:
            # Werkzeug's reading of a text that is not canonical (9.90, 007), kept
            # only when the value is one the converter writes: within its bounds, finite.
            twin = self.werkzeug
            try:
                # Werkzeug 3.1 reads any Unicode digit; 3.2 reads ASCII digits only, as here.
                if twin is None or not text.isascii():
                    raise ValidationError
                value = twin.to_python(text)
                self.converter.to_url(value)
            except ValueError:  # ValidationError, ConversionError, int()'s digit limit
                raise ValidationError from None
            return value

        def to_url(self, value: Any) -> str:
            return self._to_url(value)

        def _to_url(self, value: Any) -> str:
            try:
                text = self.converter.to_url(value)
            except ConversionError as error:
                if _building_defaults():
                    return self._write_as_werkzeug(value)
                name = type(self.converter).__name__
                message = f"cannot build a URL: {name} refuses {show(value)}: {error}"
                raise ConversionError(message) from error
            if type(self.converter) in _WRITES_SAFE_TEXT:
                return text
            return quote(text, safe=SAFE_IN_PATH)

        def _write_as_werkzeug(self, value: Any) -> str:
            if self.werkzeug is not None:
                return str(self.werkzeug.to_url(value))
            return BaseConverter.to_url(self, value)

    name = getattr(converter_class, "__name__", "Converter")
    SafenameWerkzeugConverter.__name__ = SafenameWerkzeugConverter.__qualname__ = f"Werkzeug{name}"
    return SafenameWerkzeugConverter


# The Werkzeug converter each built-in converter stands in for. A subclass may
# change the regex, so only the classes themselves are matched with Werkzeug's.
_TWINS: Final[Mapping[type[Converter[Any]], type[BaseConverter]]] = {
    StringConverter: werkzeug_converters.UnicodeConverter,
    IntConverter: werkzeug_converters.IntegerConverter,
    FloatConverter: werkzeug_converters.FloatConverter,
    PathConverter: werkzeug_converters.PathConverter,
    AnyConverter: werkzeug_converters.AnyConverter,
    UUIDConverter: werkzeug_converters.UUIDConverter,
}
# Converters whose value has several texts (9.9 and 9.90): Werkzeug reads them all.
_OTHER_FORMS: Final = frozenset({IntConverter, FloatConverter, UUIDConverter})
# Converters whose text is ASCII digits, dots, dashes and hex: nothing to percent-encode.
_WRITES_SAFE_TEXT: Final = _OTHER_FORMS
# Werkzeug writes a rule's defaults when it compiles the rule's builder, here.
_BUILDER_MODULE: Final = "werkzeug.routing.rules"
_BUILDER_FUNCTION: Final = "_compile_builder"


def _werkzeug_twin(
    converter: Converter[Any], url_map: Map, args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> BaseConverter | None:
    """Werkzeug's converter that *converter* stands in for, made with the same arguments."""
    twin_class = _TWINS.get(type(converter))
    if twin_class is None:
        return None
    try:
        return twin_class(url_map, *args, **kwargs)
    except (TypeError, ValueError):  # arguments only safename reads: keep safename's regex
        return None


def _building_defaults() -> bool:
    """Whether Werkzeug is writing a rule's ``defaults`` into its builder, as it adds the rule.

    Werkzeug writes them with the converter's ``to_url`` and raises what it
    raises, so a default the strict ``to_url`` refuses would make plain Flask's
    rule fail to add; Werkzeug's own converters write any value. The call
    comes from one function, two or three frames up (the fast writers add one).
    """
    frame: FrameType | None = sys._getframe(2)
    for _ in range(3):
        if frame is None:
            return False
        code = frame.f_code
        if code.co_name == _BUILDER_FUNCTION and frame.f_globals.get("__name__") == _BUILDER_MODULE:
            return True
        frame = frame.f_back
    return False


Writer = Callable[[Any], str]


def _fast_writer(converter: Converter[Any]) -> Callable[[Writer], Writer] | None:
    """A ``to_url`` for the common values of an ``int``, ``float`` or ``uuid`` converter.

    It writes what safename's ``to_url`` writes, with fewer checks, for the values
    that need no more (an ``int`` without bounds, a finite float, a ``UUID``),
    and hands every other value to the full writer it wraps.
    """
    kind = type(converter)
    if kind is IntConverter and isinstance(converter, IntConverter):
        if converter.fixed_digits or converter.min is not None or converter.max is not None:
            return None
        return _int_writer(signed=converter.signed)
    if kind is FloatConverter and isinstance(converter, FloatConverter):
        if converter.min is not None or converter.max is not None:
            return None
        return _float_writer(signed=converter.signed)
    if kind is UUIDConverter:
        return _uuid_writer
    return None


def _int_writer(*, signed: bool) -> Callable[[Writer], Writer]:
    def wrap(full: Writer) -> Writer:
        def to_url(value: Any) -> str:
            if type(value) is int and (signed or value >= 0):
                try:
                    return str(value)
                except ValueError:  # more digits than str() writes: the full writer says so
                    pass
            return full(value)

        return to_url

    return wrap


# repr writes a float in [1e-4, 1e16) without an exponent: the canonical text as it is.
_PLAIN_REPR_LOW: Final = 1e-4
_PLAIN_REPR_HIGH: Final = 1e16


def _float_writer(*, signed: bool) -> Callable[[Writer], Writer]:
    def wrap(full: Writer) -> Writer:
        low, high = _PLAIN_REPR_LOW, _PLAIN_REPR_HIGH  # closure variables: faster than globals

        def to_url(value: Any, float_type: type[float] = float) -> str:
            # NaN, infinities, zeros and exponents take the full writer.
            if type(value) is float_type and low <= (abs(value) if signed else value) < high:
                return repr(value)
            return full(value)

        return to_url

    return wrap


def _uuid_writer(full: Writer) -> Writer:
    def to_url(value: Any, uuid_type: type = uuid.UUID) -> str:
        if type(value) is uuid_type:
            return str(value)
        return full(value)

    return to_url
