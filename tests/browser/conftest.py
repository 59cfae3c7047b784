"""Browser tests: Playwright (from PyPI) driving Debian's Chromium against the real app
served on 127.0.0.1. They skip when /usr/bin/chromium is missing (`make test` installs
it); no browser is ever downloaded. Screenshots go to var/test-artifacts/browser/.

Fixtures for every browser test (staff and portal):
- `ledger`: a Hub on a fresh migrated SQLite file (tests fill it through the builders);
- `serve(hub)`: the app on a free 127.0.0.1 port, returning its base URL;
- `browser`: one Chromium per test session; `page`: a fresh desktop-sized page;
- `shot(page, name)`: a full-page screenshot kept as a test artefact.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Callable
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from playwright.sync_api import Page
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from hub.bootstrap import Hub
from hub.bootstrap import bootstrap
from hub.config import Settings
from hub.domain.clock import FixedClock
from hub.web import create_app
from tests.conftest import NOW

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "var" / "test-artifacts" / "browser"




@pytest.fixture
def ledger(tmp_path: Path, sqlite_template: Path) -> Iterator[Hub]:
    path = tmp_path / "hub.db"
    shutil.copy(sqlite_template, path)
    settings = Settings(var_dir=tmp_path / "var", database_url=f"sqlite:///{path}",
                        progress=False)
    hub = bootstrap(settings, clock=FixedClock(NOW), migrate=False)
    yield hub
    hub.engine.dispose()


@pytest.fixture
def serve() -> Iterator[Callable[[Hub], str]]:
    servers = []

    def start(hub: Hub) -> str:
        app = create_app(hub)
        server = make_server("127.0.0.1", 0, app, threaded=True)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()


expect.set_options(timeout=30_000)  # assertions wait this long on a busy CI machine


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM),
                                              args=["--no-sandbox", "--disable-gpu"])
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(30_000)  # CI machines can be slow; a pass is still fast
    yield page
    context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    test = re.sub(r"[^\w.-]+", "_", request.node.name)

    def take(page: Page, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{test}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
