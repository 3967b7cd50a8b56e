"""A local RFC 3161 time-stamping authority for tests, built on `openssl ts`.

`local_tsa(workdir)` generates (once per workdir) a self-signed EC P-256 test
root CA and a TSA certificate it issues (critical extendedKeyUsage
timeStamping, as RFC 3161 requires), then serves RFC 3161 over HTTP on
127.0.0.1: POST a DER TimeStampReq (Content-Type application/timestamp-query)
to `LocalTsa.url` and get back the DER TimeStampResp that
`openssl ts -reply` produced (Content-Type application/timestamp-reply).
A body that is not a TimeStampReq, or a POST with another content type, gets
HTTP 400; the server keeps serving.

`openssl_ts_verify(...)` checks a response the way an outside auditor would,
with `openssl ts -verify` against the test CA.

This is a plain module (no pytest fixture here): conftest wraps it.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import cast

logger = logging.getLogger(__name__)

OPENSSL = shutil.which("openssl") or "/usr/bin/openssl"

QUERY_CONTENT_TYPE = "application/timestamp-query"
REPLY_CONTENT_TYPE = "application/timestamp-reply"
TSA_POLICY = "1.2.3.4.1"

# A TimeStampReq is a few hundred bytes; anything much larger is not one.
_MAX_REQUEST_BYTES = 64 * 1024
_CA_SUBJECT = "/O=Custos tests/CN=Custos Test Root CA"
_TSA_SUBJECT = "/O=Custos tests/CN=Custos Test TSA"


@dataclass(frozen=True)
class LocalTsa:
    """A running local TSA: where to reach it and the certificates to trust it with."""

    url: str
    ca_cert: Path
    tsa_cert: Path
    # Every body POSTed as application/timestamp-query, in order, malformed ones included
    # (appended by the server thread).
    requests_served: list[bytes] = field(default_factory=list)


def _config_text(workdir: Path) -> str:
    return f"""\
# Written by tests/custody/tsa.py: test-only CA, TSA certificate and `openssl ts` settings.
[ req ]
distinguished_name = req_dn
prompt = no

[ req_dn ]
CN = Custos Test

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ tsa_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = critical, timeStamping
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always

[ tsa ]
default_tsa = tsa_config

[ tsa_config ]
# No `certs =` line on purpose: OpenSSL writes SignedData.certificates in insertion
# order, not DER SET OF order, and rfc3161-client rejects a response whose
# certificate set is out of order (InvalidSetOrdering). With cert_req set (the
# client's default) the token carries the TSA certificate alone; verifiers get
# the root CA from ca_cert.
serial = {workdir / "tsaserial"}
crypto_device = builtin
signer_cert = {workdir / "tsa.pem"}
signer_key = {workdir / "tsa.key"}
signer_digest = sha256
default_policy = {TSA_POLICY}
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 0
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _openssl(*args: str | Path, config: Path) -> subprocess.CompletedProcess[bytes]:
    """Run openssl with `config` as its only configuration; raise on failure."""
    env = {**os.environ, "OPENSSL_CONF": str(config)}
    return subprocess.run([OPENSSL, *map(str, args)], check=True, capture_output=True, env=env)


def _prepare(workdir: Path) -> Path:
    """Write the config and, unless already there, the CA and TSA keys and certificates; return the config."""
    workdir.mkdir(parents=True, exist_ok=True)
    cnf = workdir / "openssl-tsa.cnf"
    cnf.write_text(_config_text(workdir), encoding="utf-8")
    ca_key, ca_pem = workdir / "ca.key", workdir / "ca.pem"
    tsa_key, tsa_csr, tsa_pem = workdir / "tsa.key", workdir / "tsa.csr", workdir / "tsa.pem"
    if not all(path.exists() for path in (ca_key, ca_pem, tsa_key, tsa_pem)):
        ec_key = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes")
        _openssl(
            "req", "-config", cnf, "-x509", *ec_key, "-keyout", ca_key, "-out", ca_pem,
            "-subj", _CA_SUBJECT, "-days", "3650", "-sha256", "-extensions", "ca_ext",
            config=cnf,
        )  # fmt: skip
        _openssl(
            "req", "-config", cnf, "-new", *ec_key, "-keyout", tsa_key, "-out", tsa_csr,
            "-subj", _TSA_SUBJECT, "-sha256",
            config=cnf,
        )  # fmt: skip
        _openssl(
            "x509", "-req", "-in", tsa_csr, "-CA", ca_pem, "-CAkey", ca_key, "-set_serial", "2",
            "-days", "3650", "-sha256", "-extfile", cnf, "-extensions", "tsa_ext", "-out", tsa_pem,
            config=cnf,
        )  # fmt: skip
    serial = workdir / "tsaserial"
    if not serial.exists():
        serial.write_text("01\n", encoding="ascii")
    return cnf


class _TsaServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, cnf: Path, workdir: Path, requests_served: list[bytes]) -> None:
        super().__init__(("127.0.0.1", 0), _TsaHandler)
        self.cnf = cnf
        self.workdir = workdir
        self.requests_served = requests_served
        # `openssl ts -reply` reads and rewrites the serial file: one reply at a time.
        self.lock = threading.Lock()

    def reply(self, query: bytes) -> tuple[HTTPStatus, bytes]:
        """Answer one request body: (200, TimeStampResp DER), (400, reason) or (500, openssl's error)."""
        with self.lock, tempfile.TemporaryDirectory(dir=self.workdir, prefix="request-") as scratch:
            self.requests_served.append(query)
            query_file, reply_file = Path(scratch) / "query.tsq", Path(scratch) / "reply.tsr"
            query_file.write_bytes(query)
            try:
                _openssl("ts", "-query", "-in", query_file, "-text", config=self.cnf)
            except subprocess.CalledProcessError:
                return HTTPStatus.BAD_REQUEST, b"not a DER TimeStampReq\n"
            try:
                _openssl(
                    "ts", "-reply", "-config", self.cnf, "-queryfile", query_file, "-out", reply_file,
                    config=self.cnf,
                )  # fmt: skip
            except subprocess.CalledProcessError as error:
                logger.exception("openssl ts -reply failed: %s", error.stderr.decode(errors="replace"))
                return HTTPStatus.INTERNAL_SERVER_ERROR, error.stderr
            return HTTPStatus.OK, reply_file.read_bytes()


class _TsaHandler(BaseHTTPRequestHandler):
    server_version = "CustosTestTSA/1"

    def do_POST(self) -> None:
        content_type = self.headers.get_content_type()
        length = self.headers.get("Content-Length", "")
        if not length.isdigit() or int(length) > _MAX_REQUEST_BYTES:
            self._send(HTTPStatus.BAD_REQUEST, b"missing or oversized Content-Length\n")
            return
        body = self.rfile.read(int(length))
        if content_type != QUERY_CONTENT_TYPE:
            self._send(HTTPStatus.BAD_REQUEST, f"Content-Type must be {QUERY_CONTENT_TYPE}\n".encode())
            return
        status, payload = cast("_TsaServer", self.server).reply(body)
        self._send(status, payload)

    def _send(self, status: HTTPStatus, payload: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", REPLY_CONTENT_TYPE if status == HTTPStatus.OK else "text/plain")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's signature)
        logger.debug("local TSA: " + format, *args)  # noqa: G003 (format is the base class's %-template)


@contextmanager
def local_tsa(workdir: Path) -> Iterator[LocalTsa]:
    """Run a local RFC 3161 TSA whose keys, certificates and scratch files live in `workdir`."""
    cnf = _prepare(workdir)
    requests_served: list[bytes] = []
    server = _TsaServer(cnf, workdir, requests_served)
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, name="local-tsa", daemon=True
    )
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield LocalTsa(
            url=f"http://{host!s}:{port}/",
            ca_cert=workdir / "ca.pem",
            tsa_cert=workdir / "tsa.pem",
            requests_served=requests_served,
        )
    finally:
        server.shutdown()
        thread.join()
        server.server_close()


def openssl_ts_verify(
    *, data: bytes, response_der: bytes, tsa: LocalTsa, workdir: Path
) -> subprocess.CompletedProcess[str]:
    """Verify `response_der` over `data` with `openssl ts -verify`; callers check returncode and stdout."""
    workdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=workdir, prefix="verify-") as scratch:
        data_file, response_file = Path(scratch) / "data.bin", Path(scratch) / "response.tsr"
        data_file.write_bytes(data)
        response_file.write_bytes(response_der)
        return subprocess.run(
            [
                OPENSSL, "ts", "-verify", "-data", str(data_file), "-in", str(response_file),
                "-CAfile", str(tsa.ca_cert), "-untrusted", str(tsa.tsa_cert),
            ],
            check=False,
            capture_output=True,
            text=True,
        )  # fmt: skip
