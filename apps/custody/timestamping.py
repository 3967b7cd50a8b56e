"""RFC 3161 trusted timestamps for custody checkpoints.

The request carries the SHA-256 of the checkpoint's root (as its ASCII
text "sha256:<hex>"); the reply, a signed TimeStampResp, is stored whole, so
that anyone can check it with `openssl ts -verify -data root.txt -in
reply.tsr -CAfile tsa-ca.pem` without Custos.
"""

from __future__ import annotations

import hashlib
import urllib.request
from dataclasses import dataclass
from datetime import datetime

from rfc3161_client import HashAlgorithm, PKIStatus, TimestampRequestBuilder, decode_timestamp_response

CONTENT_TYPE_QUERY = "application/timestamp-query"


@dataclass(frozen=True)
class Timestamp:
    response: bytes
    time: datetime


class TimestampingError(Exception):
    pass


def request_timestamp(*, data: bytes, tsa_url: str, timeout: float = 30.0) -> Timestamp:
    """Ask the TSA to timestamp the data; raise TimestampingError with a readable reason on any failure."""
    if not tsa_url.startswith(("http://", "https://")):
        raise TimestampingError(f"the TSA URL must be http(s): {tsa_url!r}")
    query = TimestampRequestBuilder().data(data).hash_algorithm(HashAlgorithm.SHA256).build()
    http_request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        tsa_url, data=query.as_bytes(), headers={"Content-Type": CONTENT_TYPE_QUERY}, method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as reply:  # noqa: S310
            body = reply.read()
    except OSError as error:
        raise TimestampingError(f"the TSA at {tsa_url} did not answer: {error}") from error
    try:
        response = decode_timestamp_response(body)
    except ValueError as error:
        raise TimestampingError(f"the TSA's reply is not an RFC 3161 response: {error}") from error
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampingError(f"the TSA refused the request (status {response.status})")
    if (
        response.tst_info.message_imprint.message != hashlib.sha256(data).digest()
        or response.tst_info.nonce != query.nonce
    ):
        raise TimestampingError("the TSA's reply does not match the request (imprint or nonce differs)")
    return Timestamp(response=body, time=response.tst_info.gen_time)
