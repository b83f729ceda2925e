import os

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API keeps an event loop running in the test thread; the
# test's own ORM calls are still synchronous, so Django's async guard is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", base_url=live_server.url)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def login(page, username: str, password: str = "pass-12345") -> None:
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    responses = []
    page.on("response", lambda r: responses.append((r.request.method, r.status, r.url, r.headers.get("location"))))
    with page.expect_navigation():
        page.click("#login-submit")
    assert "/login/" not in page.url, responses


def open_card(page, project) -> None:
    """Open a project's card in its row on the month fill-in page (loaded with htmx)."""
    page.click(f"#row-{project.pk} .open-card")
    page.wait_for_selector(f"#card-{project.pk} .autosave-status, #card-{project.pk} h2")
