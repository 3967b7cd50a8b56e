"""The local RFC 3161 TSA used by the custody tests answers, signs verifiably and survives garbage."""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.error import HTTPError

from rfc3161_client import PKIStatus, TimestampRequestBuilder, decode_timestamp_response

from tests.custody.tsa import QUERY_CONTENT_TYPE, REPLY_CONTENT_TYPE, LocalTsa, local_tsa, openssl_ts_verify


def _post(tsa: LocalTsa, body: bytes, content_type: str = QUERY_CONTENT_TYPE) -> tuple[int, str, bytes]:
    """POST `body` to the TSA; return (status, content type, body), closing every socket."""
    assert tsa.url.startswith("http://127.0.0.1:")
    headers = {"Content-Type": content_type}
    request = urllib.request.Request(tsa.url, data=body, headers=headers, method="POST")  # noqa: S310 (checked above)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 (checked above)
            return response.status, response.headers.get_content_type(), response.read()
    except HTTPError as error:
        with error:
            return error.code, error.headers.get_content_type(), error.read()


def _timestamp(tsa: LocalTsa, data: bytes) -> tuple[bytes, bytes]:
    """Ask the TSA to time-stamp `data`; return (request DER, response DER)."""
    query = TimestampRequestBuilder().data(data).build().as_bytes()
    status, content_type, reply = _post(tsa, query)
    assert status == 200
    assert content_type == REPLY_CONTENT_TYPE
    return query, reply


def test_grants_a_current_time_stamp_that_openssl_verifies(tmp_path: Path) -> None:
    data = b"exhibit 7: sha-256 of the seized image"
    with local_tsa(tmp_path) as tsa:
        request = TimestampRequestBuilder().data(data).build()
        status, _, reply = _post(tsa, request.as_bytes())

        assert status == 200
        response = decode_timestamp_response(reply)
        assert response.status == PKIStatus.GRANTED
        assert abs(response.tst_info.gen_time - datetime.now(tz=UTC)) < timedelta(minutes=1)
        assert response.tst_info.nonce == request.nonce
        assert response.tst_info.policy.dotted_string == "1.2.3.4.1"

        verified = openssl_ts_verify(data=data, response_der=reply, tsa=tsa, workdir=tmp_path)
        assert verified.returncode == 0, verified.stderr
        assert "Verification: OK" in verified.stdout


def test_verification_fails_for_other_data(tmp_path: Path) -> None:
    with local_tsa(tmp_path) as tsa:
        _, reply = _timestamp(tsa, b"the original evidence")

        verified = openssl_ts_verify(data=b"tampered evidence", response_der=reply, tsa=tsa, workdir=tmp_path)

        assert verified.returncode != 0
        assert "Verification: OK" not in verified.stdout


def test_garbage_gets_400_and_the_server_keeps_serving(tmp_path: Path) -> None:
    with local_tsa(tmp_path) as tsa:
        status, _, _ = _post(tsa, b"this is not a TimeStampReq")
        assert status == 400

        _, reply = _timestamp(tsa, b"still here")
        assert decode_timestamp_response(reply).status == PKIStatus.GRANTED


def test_wrong_content_type_gets_400(tmp_path: Path) -> None:
    with local_tsa(tmp_path) as tsa:
        query = TimestampRequestBuilder().data(b"data").build().as_bytes()

        status, _, _ = _post(tsa, query, content_type="application/octet-stream")

        assert status == 400


def test_requests_served_records_each_request_in_order(tmp_path: Path) -> None:
    with local_tsa(tmp_path) as tsa:
        assert tsa.requests_served == []

        first, _ = _timestamp(tsa, b"first")
        second, _ = _timestamp(tsa, b"second")

        assert tsa.requests_served == [first, second]


def test_keys_are_generated_once_per_workdir(tmp_path: Path) -> None:
    with local_tsa(tmp_path) as tsa:
        ca_pem, tsa_pem = tsa.ca_cert.read_bytes(), tsa.tsa_cert.read_bytes()
        _, reply = _timestamp(tsa, b"made by the first server")

    with local_tsa(tmp_path) as again:
        assert again.ca_cert.read_bytes() == ca_pem
        assert again.tsa_cert.read_bytes() == tsa_pem
        assert again.requests_served == []
        verified = openssl_ts_verify(data=b"made by the first server", response_der=reply, tsa=again, workdir=tmp_path)
        assert verified.returncode == 0, verified.stderr
