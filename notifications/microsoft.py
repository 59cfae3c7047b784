"""Microsoft Graph through msal's client-credentials flow: the one module that imports
msal on the notifications side. `GET /users/{id}/manager` finds a department manager (404
means "none", and the caller falls back to configuration); `POST /users/{id}/sendMail`
sends mail from a shared mailbox.

A login authority given as plain `http://` is a local emulator: msal keeps the real
`https://login.microsoftonline.com` (it refuses anything but https) and the session
redirects those requests to the emulator."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote
from urllib.parse import urlsplit
from urllib.parse import urlunsplit

import msal
import requests
from requests.adapters import HTTPAdapter

from hub.domain.outbox import Delivery
from hub.domain.outbox import TransportError
from notifications.base import HttpTransport
from notifications.email import check_address
from notifications.email import statement_attachment

LOGIN_HOST = "https://login.microsoftonline.com"
GRAPH_SCOPE = ["https://graph.microsoft.com/.default"]


class _Redirect(HTTPAdapter):
    def __init__(self, target: str) -> None:
        super().__init__()
        self.target = urlsplit(target)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        request.url = urlunsplit((self.target.scheme, self.target.netloc, parts.path,
                                  parts.query, parts.fragment))
        return super().send(request, **kwargs)


def graph_session(authority: str) -> tuple[requests.Session, str]:
    """The session and the https authority host msal is given."""
    session = requests.Session()
    if authority.startswith("http://"):
        session.mount(LOGIN_HOST + "/", _Redirect(authority))
        return session, LOGIN_HOST
    return session, authority.rstrip("/")


class GraphClient(HttpTransport):
    """Graph calls with an app token; also hub.ports.ManagerDirectory."""

    def __init__(self, tenant: str, client_id: str, client_secret: str, *,
                 authority: str = LOGIN_HOST, base_url: str = "https://graph.microsoft.com",
                 timeout: float = 10.0, **kwargs: Any) -> None:
        session, host = graph_session(authority)
        super().__init__(session=session, timeout=timeout, **kwargs)
        self.base_url = base_url.rstrip("/")
        self._login = (client_id, client_secret, f"{host}/{tenant}")
        self._app: msal.ConfidentialClientApplication | None = None

    def _msal(self) -> msal.ConfidentialClientApplication:
        """Built on first use: msal asks the login host for its endpoints right away."""
        if self._app is None:
            client_id, secret, authority = self._login
            self._app = msal.ConfidentialClientApplication(
                client_id, client_credential=secret, authority=authority,
                http_client=self.session, timeout=self.timeout, instance_discovery=False)
        return self._app

    def token(self) -> str:
        try:
            result = self._msal().acquire_token_for_client(scopes=GRAPH_SCOPE)
        except (requests.RequestException, ValueError, msal.exceptions.MsalError) as exc:
            raise TransportError(f"Entra token endpoint: {exc.__class__.__name__}: "
                                 f"{str(exc)[:200]}") from None
        if "access_token" in result:
            return str(result["access_token"])
        error = str(result.get("error", "unknown"))
        detail = f"Entra refused the app's credentials: {error}: " \
                 f"{str(result.get('error_description', ''))[:200]}"
        temporary = error in ("temporarily_unavailable", "server_error") \
            or result.get("error_codes") in ([50196],)
        raise TransportError(detail, configuration=not temporary)

    def call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token()}", **kwargs.pop("headers", {})}
        return self.request(method, f"{self.base_url}/v1.0{path}", headers=headers, **kwargs)

    def manager_of(self, email: str) -> str | None:
        """The manager's e-mail, or None when the directory lists none (Graph's 404)."""
        headers = {"Authorization": f"Bearer {self.token()}"}
        url = f"{self.base_url}/v1.0/users/{quote(email)}/manager"
        response = self.session.get(url, headers=headers, timeout=self.timeout)
        if response.status_code == 404:
            return None
        if not response.ok:
            raise self.classify(response)
        data = response.json()
        found = data.get("mail") or data.get("userPrincipalName")
        return str(found) if found else None


def mail_payload(delivery: Delivery) -> dict[str, Any]:
    """The sendMail body (pure)."""
    message: dict[str, Any] = {
        "subject": delivery.subject,
        "body": {"contentType": "HTML" if delivery.html else "Text",
                 "content": delivery.html or delivery.text},
        "toRecipients": [{"emailAddress": {"address": delivery.address,
                                           **({"name": delivery.name} if delivery.name else {})}}],
        "internetMessageHeaders": [{"name": "X-Hub-Key", "value": delivery.key[:900]}],
    }
    attachments = list(delivery.attachments)
    if delivery.statement:
        attachments.append(statement_attachment(delivery))
    if attachments:
        message["attachments"] = [{
            "@odata.type": "#microsoft.graph.fileAttachment", "name": item.filename,
            "contentType": item.mime_type,
            "contentBytes": base64.b64encode(item.content).decode()} for item in attachments]
    return {"message": message, "saveToSentItems": "false"}


class GraphMailTransport:
    """Mail sent as a shared mailbox through Graph (channel `graph_mail`)."""

    channel = "graph_mail"

    def __init__(self, client: GraphClient, sender: str) -> None:
        self.client = client
        self.sender = sender

    def prepare_address(self, address: str, *, country: str | None) -> str:  # noqa: ARG002
        return check_address(address)

    def send(self, delivery: Delivery) -> str | None:
        self.client.call("POST", f"/users/{quote(self.sender)}/sendMail",
                         json=mail_payload(delivery))
        return None
