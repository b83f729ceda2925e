"""No inline script or style anywhere: the Content-Security-Policy allows none ('unsafe-inline' is not set).

Two checks: every template file (templates/ and every app's templates/) holds no <script> body, on*
handler, style="" attribute or <style> block; and the pages, rendered for every role, hold none either
(a page could build one from a variable or an included library template).
"""

import re
from pathlib import Path

import pytest

from tests.test_permission_walk import urls_for

REPO_ROOT = Path(__file__).resolve().parents[2]
# A data block (<script type="application/json">, Django's json_script) is never executed, so the CSP has
# nothing to allow for it; any other <script> without src is inline code.
INLINE_SCRIPT = re.compile(r"<script\b(?![^>]*\bsrc=)(?![^>]*\btype=\"application/json\")[^>]*>", re.IGNORECASE)
HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)
STYLE_ATTRIBUTE = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.IGNORECASE)
STYLE_BLOCK = re.compile(r"<style\b", re.IGNORECASE)
PATTERNS = {
    "inline <script>": INLINE_SCRIPT,
    "on* handler": HANDLER,
    'style=""': STYLE_ATTRIBUTE,
    "<style>": STYLE_BLOCK,
}


def inline_code(text: str) -> list[str]:
    return [f"{name}: {match.group(0)[:80]}" for name, pattern in PATTERNS.items() for match in pattern.finditer(text)]


def template_files():
    roots = [REPO_ROOT / "templates", *REPO_ROOT.glob("*/templates")]
    return [path for root in roots for path in root.rglob("*.html") if ".venv" not in path.parts]


def test_the_patterns_find_what_they_look_for():
    assert inline_code('<script>alert(1)</script><p onclick="x()" style="color:red"><style>p{}</style>')
    assert len(inline_code('<script>alert(1)</script><p onclick="x()" style="color:red"><style>p{}</style>')) == 4
    assert not inline_code('<script src="/static/js/app.js" defer></script><p class="online">onclick= as text</p>')
    assert not inline_code('<script id="data" type="application/json">{"a": 1}</script>')


def test_no_template_holds_inline_script_or_style():
    files = template_files()
    assert len(files) > 30
    found = {str(path.relative_to(REPO_ROOT)): inline_code(path.read_text(encoding="utf-8")) for path in files}
    assert not {path: hits for path, hits in found.items() if hits}


@pytest.mark.django_db
def test_rendered_pages_hold_no_inline_script_or_style(client, world, reporter_a, drc, auditor, leader):
    checked = 0
    for user, which in ((reporter_a, "own"), (drc, "secret"), (auditor, "secret"), (leader, "secret")):
        client.force_login(user)
        for name, url in urls_for(world, which).items():
            response = client.get(url)
            if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
                continue
            assert not inline_code(response.content.decode()), (user.username, name)
            assert "unsafe-inline" not in response["Content-Security-Policy"]
            checked += 1
    client.logout()
    login = client.get("/login/")
    assert not inline_code(login.content.decode())
    assert checked > 40
