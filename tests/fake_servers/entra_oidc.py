"""A fake Microsoft Entra ID for interactive sign-in (OpenID Connect, authorisation
code with PKCE), over real TLS on 127.0.0.1 so msal talks to it unchanged.

- `GET /{tenant}/v2.0/.well-known/openid-configuration`: the discovery document msal
  and the hub read (issuer, endpoints, jwks_uri);
- `GET /{tenant}/oauth2/v2.0/authorize`: "signs in" `user` at once and redirects to the
  redirect_uri with `code` and `state` (or `error=access_denied` when `deny` is set);
- `POST /{tenant}/oauth2/v2.0/token`: checks client id and secret (AADSTS7000215), the
  redirect_uri and the PKCE verifier (invalid_grant, AADSTS50148), and answers with an
  RS256 id_token carrying the nonce msal sent;
- `GET /{tenant}/discovery/v2.0/keys`: the JWKS with the signing key.

The certificate is self-signed for 127.0.0.1; tests point REQUESTS_CA_BUNDLE at it.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import ipaddress
import json
import secrets
import ssl
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response

TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad"
CLIENT_ID = "hub-web-client"
CLIENT_SECRET = "hub-web-secret"
KEY_ID = "fake-key-1"


@dataclass
class EntraUser:
    email: str
    name: str
    oid: str = "00000000-0000-0000-0000-0000000000aa"


def _self_signed(directory: Path) -> tuple[Path, Path]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = directory / "entra-cert.pem", directory / "entra-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


def _error(status: int, code: str, description: str) -> Response:
    body = {"error": code, "error_description": description, "error_codes": [],
            "timestamp": dt.datetime.now(dt.UTC).isoformat(), "trace_id": "fake"}
    return Response(json.dumps(body), status=status, mimetype="application/json")


class FakeEntra:
    def __init__(self, directory: Path, user: EntraUser) -> None:
        self.user = user
        self.deny = False
        self.cert_path, key_path = _self_signed(directory)
        self._signing_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self._codes: dict[str, dict[str, str]] = {}
        self.requests: list[tuple[str, str]] = []
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert_path, key_path)
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True,
                                   ssl_context=context)
        self.base = f"https://127.0.0.1:{self._server.server_port}"
        self.authority = f"{self.base}/{TENANT}"
        self.issuer = f"{self.base}/{TENANT}/v2.0"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> FakeEntra:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()

    # --- the protocol ---------------------------------------------------------------

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append((request.method, request.path))
        response = self._route(request)
        return response(environ, start_response)

    def _route(self, request: Request) -> Response:
        prefix = f"/{TENANT}"
        path = request.path
        if path == f"{prefix}/v2.0/.well-known/openid-configuration":
            return Response(json.dumps({
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.authority}/oauth2/v2.0/authorize",
                "token_endpoint": f"{self.authority}/oauth2/v2.0/token",
                "jwks_uri": f"{self.authority}/discovery/v2.0/keys",
                "response_types_supported": ["code", "id_token", "code id_token"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }), mimetype="application/json")
        if path == f"{prefix}/discovery/v2.0/keys":
            jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(self._signing_key.public_key()))
            return Response(json.dumps({"keys": [{**jwk, "kid": KEY_ID, "use": "sig",
                                                  "alg": "RS256"}]}),
                            mimetype="application/json")
        if path == f"{prefix}/oauth2/v2.0/authorize" and request.method == "GET":
            return self._authorize(request)
        if path == f"{prefix}/oauth2/v2.0/token" and request.method == "POST":
            return self._token(request)
        return _error(404, "not_found", f"AADSTS90002: no endpoint at {path}")

    def _authorize(self, request: Request) -> Response:
        args = request.args
        if args.get("client_id") != CLIENT_ID:
            return _error(400, "unauthorized_client",
                          f"AADSTS700016: application {args.get('client_id')!r} not found")
        redirect = args.get("redirect_uri", "")
        state = args.get("state", "")
        if self.deny:
            query = urlencode({"error": "access_denied", "state": state,
                               "error_description": "AADSTS65004: the user declined"})
            return Response(status=302, headers={"Location": f"{redirect}?{query}"})
        code = secrets.token_urlsafe(24)
        self._codes[code] = {"nonce": args.get("nonce", ""), "redirect_uri": redirect,
                             "challenge": args.get("code_challenge", ""),
                             "method": args.get("code_challenge_method", "plain")}
        query = urlencode({"code": code, "state": state, "session_state": "fake"})
        return Response(status=302, headers={"Location": f"{redirect}?{query}"})

    def _token(self, request: Request) -> Response:
        form = request.form
        if form.get("client_id") != CLIENT_ID or form.get("client_secret") != CLIENT_SECRET:
            return _error(401, "invalid_client",
                          "AADSTS7000215: Invalid client secret provided.")
        grant = self._codes.pop(form.get("code", ""), None)
        if form.get("grant_type") != "authorization_code" or grant is None:
            return _error(400, "invalid_grant", "AADSTS70008: the code has expired or was "
                          "already used")
        if form.get("redirect_uri") != grant["redirect_uri"]:
            return _error(400, "invalid_grant", "AADSTS50011: the redirect URI does not match")
        verifier = form.get("code_verifier", "")
        digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        if grant["method"] != "S256" or digest.rstrip(b"=").decode() != grant["challenge"]:
            return _error(400, "invalid_grant", "AADSTS50148: the code_verifier does not match")
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": CLIENT_ID, "sub": "sub-" + self.user.oid,
                  "oid": self.user.oid, "tid": TENANT, "iat": now, "nbf": now,
                  "exp": now + 3600, "nonce": grant["nonce"], "name": self.user.name,
                  "preferred_username": self.user.email, "ver": "2.0"}
        id_token = jwt.encode(claims, self._signing_key, algorithm="RS256",
                              headers={"kid": KEY_ID})
        client_info = base64.urlsafe_b64encode(json.dumps(
            {"uid": self.user.oid, "utid": TENANT}).encode()).decode().rstrip("=")
        return Response(json.dumps({
            "token_type": "Bearer", "scope": "openid profile offline_access",
            "expires_in": 3600, "access_token": secrets.token_urlsafe(32),
            "id_token": id_token, "client_info": client_info}), mimetype="application/json")
