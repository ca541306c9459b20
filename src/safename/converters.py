"""Strict, round-tripping URL converters, usable on their own or in a rule.

Each converter reads one piece of a decoded URL path (``to_python``) and writes
one back (``to_url``), with Werkzeug's names for the converters and their
arguments. Unlike Werkzeug's, they keep two promises, property-tested for every
argument combination:

* for every value ``v`` that ``to_url`` accepts, ``to_python(to_url(v)) == v``;
  a value that could not be read back raises :class:`~safename.ConversionError`
  when the URL is built, not a 404 when it is followed. ``string`` and ``path``
  also write a value that is not a ``str`` as Werkzeug does, as ``str(v)``
  (``42`` is ``"42"``): for those the promise is on the text,
  ``to_python(to_url(v)) == str(v)``;
* every text ``to_python`` accepts fully matches ``regex``, and is the one
  text ``to_url`` writes for its value: one value, one URL. Only ASCII digits
  are digits, so ``/post/٣`` and ``/post/007`` are not a second URL for post 3.

``to_url`` returns the *unquoted* text; percent-encoding is the job of
:class:`safename.routing.Pattern`, which also checks that the whole URL reads back.

>>> IntConverter(max=10).to_python("7")
7
>>> IntConverter(max=10).to_url(11)
Traceback (most recent call last):
...
safename.errors.ConversionError: 11 is above the maximum 10
"""

# The names and their list are the home module's; this module only keeps the import path.
from safename.routing.converters import *  # noqa: F403
from safename.routing.converters import __all__  # noqa: F401
