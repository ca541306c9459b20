"""safename's converters as Django path converters, a storage that never overwrites, and uploads.

Needs the ``django`` extra. :class:`SafeFileSystemStorage` is a
``FileSystemStorage`` whose names are safe and whose saves are atomic and never
overwrite; :func:`save_upload` saves an ``UploadedFile`` with every guarantee
of :func:`safename.uploads.save_upload`. :func:`register_converters` registers each
converter under a prefixed name (``safe_filename``, ``safe_int`` ...), so that
Django's own ``int``, ``path`` ... keep their meaning (and Django 6 refuses to
replace a registered name):

>>> from django.urls.resolvers import RoutePattern
>>> names = register_converters()
>>> pattern = RoutePattern("files/<safe_filename:name>/")
>>> pattern.match("files/report.pdf/")
('', (), {'name': 'report.pdf'})
>>> pattern.match("files/CON.txt/") is None
True

Django's contract fits safename's: ``to_python`` raising
:class:`ValueError` (:class:`~safename.ConversionError` is one) means "no
match", so Django goes on to the next pattern; ``to_url`` raising it makes
``reverse()`` raise ``NoReverseMatch``. Django percent-encodes what ``to_url``
returns and resolves the decoded path, so the converters work on plain text.
"""

from __future__ import annotations

import errno
import os
import posixpath
from collections.abc import Callable, Collection, Iterable
from typing import Any, ClassVar, Final

from safename._packaging import require
from safename.filenames import is_safe_filename, secure_filename
from safename.paths import claim_name
from safename.routing.converters import DEFAULT_CONVERTERS, REGISTERED_NAMES, Converter
from safename.uploads import SavedUpload, UploadDestination
from safename.uploads._save import CHUNK_BYTES, TemporaryUpload, checked_name

require("django", "django")

from django.core.exceptions import SuspiciousFileOperation  # noqa: E402
from django.core.files.storage import FileSystemStorage  # noqa: E402
from django.urls import register_converter  # noqa: E402
from django.urls.converters import get_converters  # noqa: E402

__all__ = [
    "DjangoConverter",
    "SafeFileSystemStorage",
    "django_converter",
    "register_converters",
    "save_upload",
]


class DjangoConverter:
    """The base of the Django converter classes :func:`django_converter` makes.

    Django instantiates a registered converter class without arguments, so
    each class carries its safename converter as a class attribute.
    """

    converter: ClassVar[Converter[Any]]
    regex: ClassVar[str]
    #: The converter's reader of a text its regex matched, which Django's resolver hands over.
    read: ClassVar[Callable[[str], Any]]

    def to_python(self, value: str) -> Any:
        """Read the decoded path text *value*, which the converter's regex matched.

        What the regex proved is not checked again; the converter's own
        ``to_python``, called directly, checks everything.

        :raises ValueError: (a :class:`~safename.ConversionError`, mostly) if the converter
            refuses it.
        """
        return type(self).read(value)

    def to_url(self, value: Any) -> str:
        """Write *value* as unquoted path text; Django percent-encodes it.

        :raises ConversionError: (a :class:`ValueError`) if the converter refuses it.
        """
        return self.converter.to_url(value)


def django_converter(converter: Converter[Any]) -> type[DjangoConverter]:
    """Make a Django converter class for *converter*, ready for ``register_converter``.

    :param converter: any :class:`~safename.routing.converters.Converter`, with its arguments.

    >>> from safename.routing.converters import AnyConverter
    >>> Language = django_converter(AnyConverter("en", "de"))
    >>> Language.regex, Language().to_python("de")
    ('(?:en|de)', 'de')
    """
    name = f"Django{type(converter).__name__}"
    attributes = {
        "converter": converter,
        "regex": converter.regex,
        "read": staticmethod(converter._matched_reader()),
    }
    return type(name, (DjangoConverter,), attributes)


def register_converters(*, prefix: str = "safe_") -> list[str]:
    """Register safename's converters with Django, each under *prefix* + its name.

    Registers ``string``, ``int``, ``float``, ``path``, ``uuid`` and
    ``filename`` with their default arguments, for every URLconf. A name this
    function registered before is left as it is, so calling it again (in
    each app's ``ready()``, say) is harmless.

    :param prefix: prepended to each name.
    :returns: the registered names.
    :raises ValueError: if a name is already taken by another converter.

    >>> register_converters()
    ['safe_string', 'safe_int', 'safe_float', 'safe_path', 'safe_uuid', 'safe_filename']
    """
    names = [prefix + name for name in REGISTERED_NAMES]
    existing = get_converters()
    # Check every name before registering any, so that a clash leaves nothing half done.
    for full_name in names:
        if full_name in existing and not isinstance(existing[full_name], DjangoConverter):
            raise ValueError(f"a Django converter named {full_name!r} exists already")
    for name, full_name in zip(REGISTERED_NAMES, names, strict=True):
        if full_name not in existing:
            register_converter(django_converter(DEFAULT_CONVERTERS[name]()), full_name)
    return names


# --- uploads ----------------------------------------------------------------------------------

#: The shortest room, in characters, left for a file name under a ``max_length``.
_MIN_NAME_LENGTH: Final = 8


def save_upload(
    uploaded_file: Any,
    directory: str | os.PathLike[str] | UploadDestination,
    *,
    allowed_extensions: Collection[str] | None = None,
    max_bytes: int | None = None,
) -> SavedUpload:
    """Save a Django ``UploadedFile`` under a safe, unique name in *directory*, atomically.

    :func:`safename.uploads.save_upload` on ``uploaded_file.chunks()`` and its
    ``name``, with all its guarantees: the name is ``secure_filename(name)``
    or a numbered one, nothing is overwritten, *max_bytes* is enforced while
    streaming, the file is published whole in one atomic step, and nothing is
    left on failure.

    :param uploaded_file: the upload, for example ``request.FILES["file"]``.
    :param directory: an existing directory (trusted), or an
        :class:`~safename.uploads.S3Bucket` to store into object storage.
    :param allowed_extensions: if given, the extensions accepted, without the dot.
    :param max_bytes: if given, the largest size accepted, in bytes.
    :returns: the stored name, path and size.
    :raises ~safename.uploads.UploadRejectedError: (a ``ValueError``) with an
        :class:`~safename.uploads.UploadReason`; answer 400 or 413.
    :raises ~safename.uploads.UploadStorageError: (an ``OSError``) if writing failed.

    >>> import tempfile
    >>> from django.core.files.uploadedfile import SimpleUploadedFile
    >>> upload = SimpleUploadedFile("../../Quarterly report.pdf", b"%PDF")
    >>> save_upload(upload, tempfile.mkdtemp(), allowed_extensions={"pdf"}).name
    'Quarterly_report.pdf'
    """
    name = checked_name(uploaded_file.name, allowed_extensions)
    if isinstance(directory, UploadDestination):
        return directory.store_upload(
            _ChunkReader(uploaded_file.chunks(CHUNK_BYTES)), name, max_bytes
        )
    return _store(uploaded_file.chunks(CHUNK_BYTES), directory, name, max_bytes)


class _ChunkReader:
    """Django's ``chunks()`` as a stream: each ``read`` gives the next chunk (at most 64 KiB)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)

    def read(self, size: int = -1, /) -> bytes:
        return next(self._chunks, b"")


def _store(
    chunks: Iterable[bytes], directory: str | os.PathLike[str], name: str, max_bytes: int | None
) -> SavedUpload:
    with TemporaryUpload(directory, name, max_bytes) as temporary:
        for chunk in chunks:
            temporary.write(chunk)
        return temporary.publish()


class SafeFileSystemStorage(FileSystemStorage):  # type: ignore[misc]
    """A ``FileSystemStorage`` whose names are safe and whose saves never overwrite.

    * :meth:`get_valid_name` is :func:`~safename.secure_filename`, and
      :meth:`get_available_name` applies it to the last component of every
      name it is given, so ``default_storage.save("CON.txt", ...)`` stores
      ``_CON.txt`` too (Django calls ``get_valid_name`` only for file fields);
    * :meth:`get_available_name` proposes ``name``, ``name-1``... (safename's
      numbering, kept within ``max_length``) rather than Django's random suffix;
    * :meth:`_save` writes a hidden temporary file and publishes it under the
      first free name in one atomic step that never replaces
      (:func:`safename.paths.move_without_replacing`): a concurrent save of
      the same name gets the next number, a reader never sees a partial file,
      and a failed save leaves nothing.

    Use it as a field's storage (``FileField(storage=SafeFileSystemStorage())``)
    or as the default, in ``settings.STORAGES``::

        STORAGES = {
            "default": {"BACKEND": "safename.django.SafeFileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        }

    :raises ValueError: if created with ``allow_overwrite=True``.

    >>> import tempfile
    >>> from django.conf import settings
    >>> from django.core.files.base import ContentFile
    >>> _ = settings.configured or settings.configure()  # a project has its settings already
    >>> storage = SafeFileSystemStorage(location=tempfile.mkdtemp())
    >>> storage.save("docs/../My report.pdf", ContentFile(b"1"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    django.core.exceptions.SuspiciousFileOperation: Detected path traversal attempt in ...
    >>> storage.save("docs/My report.pdf", ContentFile(b"1"))
    'docs/My_report.pdf'
    >>> storage.save("docs/My report.pdf", ContentFile(b"2"))
    'docs/My_report-1.pdf'
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if kwargs.get("allow_overwrite"):
            raise ValueError(
                "SafeFileSystemStorage never overwrites: allow_overwrite must be False"
            )
        super().__init__(*args, **kwargs)

    def get_valid_name(self, name: str) -> str:
        """:func:`~safename.secure_filename` of *name*."""
        return secure_filename(name)

    def get_available_name(self, name: str, max_length: int | None = None) -> str:
        """A safe name for *name* that is free now: ``name``, ``name-1``... within *max_length*.

        Only a hint, as with every storage: :meth:`_save` claims the name
        atomically and takes the next one if another save got there first.

        :raises SuspiciousFileOperation: for a ``..`` directory, or no room under *max_length*.
        """
        directory, base = posixpath.split(str(name).replace("\\", "/"))
        if ".." in directory.split("/"):
            raise SuspiciousFileOperation(f"Detected path traversal attempt in '{directory}'")
        budget = 255 if max_length is None else max_length - len(directory) - bool(directory)
        if budget < _MIN_NAME_LENGTH:
            message = f"no room for a file name in {name!r} under max_length={max_length}"
            raise SuspiciousFileOperation(message)
        limit = min(budget, 255)
        # A field's name was cleaned by get_valid_name already: nothing is cleaned twice.
        clean = (
            base
            if is_safe_filename(base, max_length=limit)
            else secure_filename(base, max_length=limit)
        )

        def free(candidate: str) -> None:
            if self.exists(posixpath.join(directory, candidate)):
                raise FileExistsError(errno.EEXIST, "exists", candidate)

        candidate, _ = claim_name(clean, free, max_length=limit)
        return posixpath.join(directory, candidate)

    def _save(self, name: str, content: Any) -> str:
        """Write *content* and publish it under *name*, or the next free name; never overwrite."""
        full_path = self.path(name)
        directory, base = os.path.split(full_path)
        os.makedirs(directory, exist_ok=True)
        saved = _store(content.chunks(CHUNK_BYTES), directory, base, max_bytes=None)
        if self.file_permissions_mode is not None:
            os.chmod(saved.path, self.file_permissions_mode)
        return os.path.relpath(saved.path, self.location).replace(os.sep, "/")
