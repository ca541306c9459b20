"""Where the demo keeps uploads: the upload folder, or the bucket ``SAFENAME_UPLOAD_STORAGE`` names.

``SAFENAME_UPLOAD_STORAGE=s3://bucket/prefix`` stores uploads in S3-compatible object
storage; boto3 finds the endpoint and keys in the usual AWS variables
(``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY``). Unset, uploads go
to the upload folder on disk.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any, Final

from flask import Flask, current_app

from safename import is_safe_filename
from safename.uploads import S3Bucket, bucket_from_url
from safename.uploads._s3 import status_of

#: The environment variable that names the bucket, as ``s3://bucket/prefix``.
STORAGE_ENVIRONMENT_VARIABLE: Final = "SAFENAME_UPLOAD_STORAGE"
_EXTENSION_KEY: Final = "safename-demo-bucket"


def install(app: Flask) -> None:
    """Open the bucket of ``UPLOAD_STORAGE`` (config) or ``SAFENAME_UPLOAD_STORAGE``, if set.

    :raises ValueError: for a URL that is not ``s3://bucket[/prefix]`` or an unsafe prefix.
    :raises ModuleNotFoundError: without the ``s3`` extra.
    """
    url = app.config.get("UPLOAD_STORAGE") or os.environ.get(STORAGE_ENVIRONMENT_VARIABLE)
    if url:
        app.extensions[_EXTENSION_KEY] = bucket_from_url(url)


def bucket(app: Flask | None = None) -> S3Bucket | None:
    """*app*'s bucket (default: the current app's), or ``None`` when uploads go to the folder."""
    found: S3Bucket | None = (app or current_app).extensions.get(_EXTENSION_KEY)
    return found


def where(app: Flask) -> str:
    """Where *app* stores uploads, for a person: the folder, or ``s3://bucket/prefix``."""
    destination = bucket(app)
    if destination is None:
        return str(app.config["UPLOAD_FOLDER"])
    return f"s3://{destination.bucket}/{destination.prefix}"


def stored_objects(destination: S3Bucket) -> Iterator[tuple[str, int]]:
    """``(name, size)`` of each finished upload: every part a safe name, so no claim."""
    client: Any = destination.client
    pages = client.get_paginator("list_objects_v2").paginate(
        Bucket=destination.bucket, Prefix=destination.prefix
    )
    for page in pages:
        for entry in page.get("Contents", []):
            name = str(entry["Key"]).removeprefix(destination.prefix)
            if all(is_safe_filename(part) for part in name.split("/")):
                yield name, int(entry["Size"])


def open_object(destination: S3Bucket, name: str) -> Any | None:
    """The streaming body of the upload *name*, or ``None`` if there is none."""
    client: Any = destination.client
    try:
        answer = client.get_object(Bucket=destination.bucket, Key=destination.key(name))
    except Exception as error:
        if status_of(error) == 404:
            return None
        raise
    return answer["Body"]
