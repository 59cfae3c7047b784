"""Microsoft Entra ID sign-in (OpenID Connect authorisation-code flow with PKCE).

The only module that imports msal. msal runs the flow (state, nonce, PKCE, the
code exchange); the id_token it returns is then verified here against the
tenant's published signing keys (signature, audience, issuer, expiry), because
msal itself no longer validates it. Roles never come from Entra: the signed-in
address must belong to an active user of the hub.
"""

from __future__ import annotations

import threading
import warnings
from dataclasses import dataclass
from typing import Any

import jwt
import msal
import requests

from hub.config import Settings

CALLBACK_PATH = "/signin/entra/callback"


class EntraError(Exception):
    """Microsoft sign-in did not complete; the message is safe to show."""


@dataclass(frozen=True)
class EntraIdentity:
    email: str
    name: str | None
    subject: str
    tenant: str | None


class EntraSignIn:
    """One per web app; the msal client (which discovers the tenant on creation) is
    built on first use, never at import or app start."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client: msal.ConfidentialClientApplication | None = None
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return bool(self._settings.entra_client_id)

    @property
    def redirect_uri(self) -> str:
        return self._settings.public_url + CALLBACK_PATH

    def _app(self) -> msal.ConfidentialClientApplication:
        with self._lock:
            if self._client is None:
                try:
                    self._client = msal.ConfidentialClientApplication(
                        self._settings.entra_client_id,
                        client_credential=self._settings.entra_client_secret or None,
                        authority=self._settings.entra_authority,
                        instance_discovery=False)
                except (ValueError, requests.RequestException) as exc:
                    raise EntraError(f"Microsoft sign-in is not reachable: {exc}") from exc
            return self._client

    def start(self) -> dict[str, Any]:
        """A new flow; keep it in the session and send the browser to flow['auth_uri']."""
        # The answer comes back as a GET (response_mode=query): a cross-site form_post
        # would arrive without our SameSite=Lax session cookie, losing the flow. PKCE
        # protects the code, and no page leaks it (Referrer-Policy: no-referrer).
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="response_mode='form_post'")
            flow: dict[str, Any] = self._app().initiate_auth_code_flow(
                scopes=[], redirect_uri=self.redirect_uri, response_mode="query",
                prompt="select_account")
        return flow

    def finish(self, flow: dict[str, Any], query: dict[str, str]) -> EntraIdentity:
        if "error" in query:
            raise EntraError(query.get("error_description") or query["error"])
        try:
            result: dict[str, Any] = self._app().acquire_token_by_auth_code_flow(flow, query)
        except ValueError as exc:  # state mismatch, replayed or stale flow
            raise EntraError("the sign-in answer did not match this browser's request; "
                             "start again") from exc
        except RuntimeError as exc:  # nonce mismatch
            raise EntraError(str(exc)) from exc
        except requests.RequestException as exc:
            raise EntraError(f"Microsoft sign-in is not reachable: {exc}") from exc
        if "error" in result:
            raise EntraError(result.get("error_description") or result["error"])
        claims = self._verify(result.get("id_token", ""))
        email = (claims.get("email") or claims.get("preferred_username") or "").strip().lower()
        if "@" not in email:
            raise EntraError("the Microsoft account has no e-mail address")
        return EntraIdentity(email=email, name=claims.get("name"), subject=str(claims["sub"]),
                             tenant=claims.get("tid"))

    def _verify(self, id_token: str) -> dict[str, Any]:
        try:
            discovery = requests.get(
                f"{self._settings.entra_authority}/v2.0/.well-known/openid-configuration",
                timeout=10).json()
            keys = jwt.PyJWKSet.from_dict(requests.get(discovery["jwks_uri"], timeout=10).json())
            header = jwt.get_unverified_header(id_token)
            key = next((k for k in keys.keys if k.key_id == header.get("kid")), None)
            if key is None:
                raise EntraError("the id_token is signed with an unknown key")
            claims: dict[str, Any] = jwt.decode(
                id_token, key.key, algorithms=["RS256"],
                audience=self._settings.entra_client_id,
                options={"require": ["exp", "iat", "iss", "sub", "aud"]}, leeway=120)
        except (requests.RequestException, ValueError, KeyError) as exc:
            raise EntraError(f"cannot check the id_token: {exc}") from exc
        except jwt.PyJWTError as exc:
            raise EntraError(f"the id_token is not valid: {exc}") from exc
        issuer = str(discovery.get("issuer", ""))
        tenant = str(claims.get("tid", ""))
        if claims["iss"] != issuer.replace("{tenantid}", tenant):
            raise EntraError(f"the id_token comes from an unexpected issuer {claims['iss']!r}")
        return claims
