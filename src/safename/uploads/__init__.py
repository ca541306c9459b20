"""Save an uploaded stream under a safe, unique name, atomically: the core every framework shares.

:func:`save_upload` (and :func:`save_upload_async` for streams with
``await read(n)``) streams the data into a hidden temporary file in the
target directory (inside a marked temporary directory, which :func:`sweep`
can prove is its own), then publishes it under the first free name among
``secure_filename(filename)``, ``name-1``, ``name-2``... A reader of the
directory sees no file or the whole file, never an empty or partial one, and
nothing is ever overwritten. How the name is published depends on the system
(:func:`safename.paths.no_replace_method`):

* ``renameat2``: Linux 3.15+ on ext4, XFS, Btrfs, tmpfs... One
  ``renameat2(RENAME_NOREPLACE)``: atomic, the temporary name simply becomes
  the final one.
* ``link``: other POSIX systems (macOS, the BSDs), or a Linux file system
  that refuses the flag: a hard link to the final name (which fails if it
  exists), then the temporary name is unlinked. A crash between the two
  leaves the temporary's file with two links, which :func:`sweep` removes at once.
* ``none`` (no hard links either: FAT, some network mounts): the name is
  reserved as an empty file with ``O_EXCL`` and the temporary file replaces
  it. Here alone a reader may see the empty file for that moment.

Pass an :class:`S3Bucket` in place of the directory to store into S3-compatible
object storage with the same guarantees (``docs/uploads.md``, "Object storage").

The framework adapters are thin layers over this module:
:func:`safename.flask.save_upload`, :func:`safename.starlette.save_upload`
and :func:`safename.django.save_upload`.
"""

from safename._fs.temporaries import DEFAULT_SWEEP_AGE as DEFAULT_SWEEP_AGE
from safename._fs.temporaries import sweep
from safename._packaging import public_names
from safename.uploads._keys import KeyReason, UnsafeKeyError, validate_key, validate_key_prefix
from safename.uploads._s3 import S3Bucket, S3Client, bounded_config, bucket_from_url
from safename.uploads._s3_sweep import sweep_bucket
from safename.uploads._save import CHUNK_BYTES as CHUNK_BYTES
from safename.uploads._save import (
    AsyncReadable,
    Readable,
    SavedUpload,
    UploadDestination,
    UploadError,
    UploadReason,
    UploadRejectedError,
    UploadStorageError,
    save_upload,
    save_upload_async,
)

__all__ = [
    "AsyncReadable",
    "KeyReason",
    "Readable",
    "S3Bucket",
    "S3Client",
    "SavedUpload",
    "UnsafeKeyError",
    "UploadDestination",
    "UploadError",
    "UploadReason",
    "UploadRejectedError",
    "UploadStorageError",
    "bounded_config",
    "bucket_from_url",
    "save_upload",
    "save_upload_async",
    "sweep",
    "sweep_bucket",
    "validate_key",
    "validate_key_prefix",
]

public_names(globals())
