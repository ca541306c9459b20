"""What killed uploads leave in a bucket, proven the package's own, and removed.

A killed or cut-off upload can leave its claim (``<prefix>.safename-claims/<name>``, with
the metadata ``safename: claim``) and, for a large one, its multipart upload. The sweep
removes both once the claim is older than a limit; a key under the claims folder without
the metadata is never removed, and neither is a multipart upload without a claim: only a
lifecycle rule (``AbortIncompleteMultipartUpload``) aborts those.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from safename._fs.temporaries import DEFAULT_SWEEP_AGE
from safename.uploads._keys import CLAIMS_FOLDER
from safename.uploads._s3 import CLAIM_METADATA, S3Bucket, storage_error


def sweep_bucket(
    bucket: S3Bucket,
    *,
    older_than: datetime.timedelta | float = DEFAULT_SWEEP_AGE,
    dry_run: bool = False,
    on_unproven: Callable[[str], object] | None = None,
    now: datetime.datetime | None = None,
) -> list[str]:
    """Abort the multipart uploads and delete the claims that killed uploads left in *bucket*.

    A claim is removed only when it proves it is the package's own (the
    ``safename: claim`` metadata that only :func:`~safename.uploads.save_upload`
    writes, under ``<prefix>.safename-claims/``, a folder no upload's name can
    reach) and was last modified more than *older_than* ago; with it go the
    multipart uploads of its key started before that limit. A claim's upload
    still running would lose its protection, so *older_than* must be longer
    than the longest upload.

    :param bucket: the bucket and prefix uploads are saved to.
    :param older_than: a :class:`~datetime.timedelta`, or seconds.
    :param dry_run: only say what would be removed.
    :param on_unproven: called with each key under the claims folder that lacks the metadata.
    :param now: the current time (for tests); the default is the clock's.
    :returns: the claims' keys and ``<key> (multipart upload <id>)`` lines, removed or not.
    :raises UploadStorageError: naming the bucket, if a request failed.

    The example needs no server: where none answers, the error names the bucket.

    >>> import boto3
    >>> from safename.uploads import S3Bucket, bounded_config
    >>> client = boto3.client(
    ...     "s3", endpoint_url="http://127.0.0.1:1", region_name="us-east-1",
    ...     aws_access_key_id="key", aws_secret_access_key="secret",
    ...     config=bounded_config(connect_timeout=1, max_attempts=1),
    ... )
    >>> bucket = S3Bucket(client, "media", prefix="uploads/")
    >>> sweep_bucket(bucket, older_than=0)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safename.uploads.UploadStorageError: cannot list claims in bucket 'media': ...
    """
    if not isinstance(older_than, datetime.timedelta):
        older_than = datetime.timedelta(seconds=older_than)
    cutoff = (now or datetime.datetime.now(datetime.UTC)) - older_than
    removed: list[str] = []
    for claim in _stale_claims(bucket, cutoff):
        if not _is_own_claim(bucket, claim):
            if on_unproven is not None:
                on_unproven(claim)
            continue
        key = bucket.prefix + claim.removeprefix(bucket.prefix + CLAIMS_FOLDER)
        for upload_id in _stale_uploads(bucket, key, cutoff):
            removed.append(f"{key} (multipart upload {upload_id})")
            if not dry_run:
                _call(
                    bucket, "abort an upload", "abort_multipart_upload", Key=key, UploadId=upload_id
                )
        removed.append(claim)
        if not dry_run:
            _call(bucket, "delete a claim", "delete_object", Key=claim)
    return removed


def _stale_claims(bucket: S3Bucket, cutoff: datetime.datetime) -> Iterator[str]:
    prefix = bucket.prefix + CLAIMS_FOLDER
    token: dict[str, str] = {}
    while True:
        page = _call(bucket, "list claims", "list_objects_v2", Prefix=prefix, **token)
        for entry in page.get("Contents", []):
            if entry["LastModified"] < cutoff:
                yield str(entry["Key"])
        if not page.get("IsTruncated"):
            return
        token = {"ContinuationToken": str(page["NextContinuationToken"])}


def _is_own_claim(bucket: S3Bucket, claim: str) -> bool:
    answer = _call(bucket, "read a claim", "head_object", Key=claim)
    metadata = answer.get("Metadata", {})
    return all(metadata.get(name) == value for name, value in CLAIM_METADATA.items())


def _stale_uploads(bucket: S3Bucket, key: str, cutoff: datetime.datetime) -> list[str]:
    page = _call(bucket, "list uploads", "list_multipart_uploads", Prefix=key)
    return [
        str(upload["UploadId"])
        for upload in page.get("Uploads", [])
        if upload["Key"] == key and upload["Initiated"] < cutoff
    ]


def _call(bucket: S3Bucket, action: str, method: str, **arguments: Any) -> Mapping[str, Any]:
    try:
        answer: Mapping[str, Any] = getattr(bucket.client, method)(
            Bucket=bucket.bucket, **arguments
        )
    except Exception as error:
        raise storage_error(bucket, action, error) from error
    return answer
