"""safename's converters as Django path converters.

Needs the ``django`` extra. :func:`register_converters` registers each
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

from typing import Any, ClassVar

from safename._extras import require
from safename.converters import DEFAULT_CONVERTERS, REGISTERED_NAMES, Converter

require("django", "django")

from django.urls import register_converter  # noqa: E402
from django.urls.converters import get_converters  # noqa: E402

__all__ = ["DjangoConverter", "django_converter", "register_converters"]


class DjangoConverter:
    """The base of the Django converter classes :func:`django_converter` makes.

    Django instantiates a registered converter class without arguments, so
    each class carries its safename converter as a class attribute.
    """

    converter: ClassVar[Converter[Any]]
    regex: ClassVar[str]

    def to_python(self, value: str) -> Any:
        """Read the decoded path text *value*.

        :raises ConversionError: (a :class:`ValueError`) if the converter refuses it.
        """
        return self.converter.to_python(value)

    def to_url(self, value: Any) -> str:
        """Write *value* as unquoted path text; Django percent-encodes it.

        :raises ConversionError: (a :class:`ValueError`) if the converter refuses it.
        """
        return self.converter.to_url(value)


def django_converter(converter: Converter[Any]) -> type[DjangoConverter]:
    """Make a Django converter class for *converter*, ready for ``register_converter``.

    :param converter: any :class:`~safename.converters.Converter`, with its arguments.

    >>> from safename.converters import AnyConverter
    >>> Language = django_converter(AnyConverter("en", "de"))
    >>> Language.regex, Language().to_python("de")
    ('(?:en|de)', 'de')
    """
    name = f"Django{type(converter).__name__}"
    return type(name, (DjangoConverter,), {"converter": converter, "regex": converter.regex})


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
