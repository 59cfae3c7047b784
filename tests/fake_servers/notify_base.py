"""What the notification fakes share: a real HTTP server on 127.0.0.1 (werkzeug, in a
thread), a request log, and queued faults (status and body, extra delay, a stall longer
than the client's timeout) matched by path prefix."""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from dataclasses import dataclass
from dataclasses import field
from typing import Any
from urllib.parse import parse_qs

from werkzeug.serving import make_server
from werkzeug.wrappers import Request
from werkzeug.wrappers import Response


@dataclass
class Logged:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return {key: values[-1] for key, values in parse_qs(self.body.decode()).items()}

    @property
    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass
class Fault:
    prefix: str
    status: int = 500
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    stall: float = 0.0  # sleep this long before answering (a timeout for the client)


class FakeHttpServer:
    def __init__(self) -> None:
        self.log: list[Logged] = []
        self.faults: deque[Fault] = deque()
        self.lock = threading.Lock()
        self.delay = 0.0  # every request answers this much later
        self._server: Any = None
        self._thread: threading.Thread | None = None

    # -- control ---------------------------------------------------------------------
    def fail_next(self, prefix: str, status: int = 500, *, body: Any = None, times: int = 1,
                  headers: dict[str, str] | None = None, stall: float = 0.0) -> None:
        with self.lock:
            for _ in range(times):
                self.faults.append(Fault(prefix, status, body, dict(headers or {}), stall))

    def requests_to(self, prefix: str) -> list[Logged]:
        with self.lock:
            return [entry for entry in self.log if entry.path.startswith(prefix)]

    def reset(self) -> None:
        with self.lock:
            self.log.clear()
            self.faults.clear()
            self.delay = 0.0

    # -- serving ---------------------------------------------------------------------
    def start(self) -> FakeHttpServer:
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for fault in self.faults:
                if path.startswith(fault.prefix):
                    self.faults.remove(fault)
                    return fault
        return None

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        body = request.get_data()
        entry = Logged(request.method, request.path, dict(request.args.items()),
                       {key.lower(): value for key, value in request.headers.items()}, body)
        with self.lock:
            self.log.append(entry)
        if self.delay:
            time.sleep(self.delay)
        fault = self._take_fault(request.path)
        if fault is not None:
            if fault.stall:
                time.sleep(fault.stall)
            response = self.json_response(fault.body, fault.status, fault.headers)
        else:
            response = self.handle(entry)
        return response(environ, start_response)

    @staticmethod
    def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None
                      ) -> Response:
        text = "" if data is None else json.dumps(data)
        return Response(text, status=status, headers=headers or {},
                        content_type="application/json" if text else "text/plain")

    def handle(self, entry: Logged) -> Response:  # overridden per service
        return self.json_response({"error": "not found"}, 404)
