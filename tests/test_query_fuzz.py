"""Every page's query parameters, fed hostile values, never give a 500 (issue 15).

The pages are those of the permission walk (every URL of the app); each page's parameters are
discovered from what the page itself offers (the fields of its GET forms, the query keys of its
links) and from the names its view module reads from ``request.GET`` — so a new filter is fuzzed
without being listed here. Bad values must give the page (unfiltered), a redirect or a 4xx.
"""

import inspect
import re
import sys
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.urls import resolve

from tests.test_permission_walk import POST_ONLY, urls_for, world  # noqa: F401  (world is a fixture)

HOSTILE_VALUES = [
    "abc",
    "99999999999",
    "99999999999999999999999999",
    "-1",
    "0",
    "\x00",
    "a\x00b",
    "x" * 5000,
    "2026-99",
    "１２",
    "' OR 1=1 --",
]
# Names read from request.GET in a view module (``GET.get("q")``, ``GET["q"]``, ``params.get("q")``).
READ_NAME = re.compile(r"""(?:GET|params|query|get)(?:\.get\(|\[)\s*["']([A-Za-z_][\w-]*)["']""")
# Exports and downloads are not list pages; their parameters are fuzzed through their list pages.
NOT_LIST_PAGES = {"projects:export_inventory", "exports:job_download", "dispatch:photo_file", "dispatch:home"}


class _ParameterFinder(HTMLParser):
    """Names of the fields of GET forms and the query keys of same-page links."""

    def __init__(self, path: str):
        super().__init__()
        self.path = path
        self.names: set[str] = set()
        self._in_get_form = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._in_get_form = (attrs.get("method") or "get").lower() == "get"
        elif tag in ("input", "select", "textarea") and self._in_get_form and attrs.get("name"):
            self.names.add(attrs["name"])
        elif tag == "a" and attrs.get("href"):
            parts = urlsplit(attrs["href"])
            if parts.path in ("", self.path):
                self.names.update(key for key, _value in parse_qsl(parts.query, keep_blank_values=True))

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_get_form = False


def parameters_of(path: str, html: str) -> set[str]:
    finder = _ParameterFinder(path)
    finder.feed(html)
    view = resolve(path).func
    module = sys.modules[getattr(view, "__module__", "")]
    names = set(READ_NAME.findall(inspect.getsource(module)))
    return (finder.names | names | {"page"}) - {"csrfmiddlewaretoken", "download"}


def test_hostile_query_values_never_give_a_server_error(client, world, drc):  # noqa: F811
    client.force_login(drc)
    client.raise_request_exception = False  # a 500 is collected, not raised
    failures = []
    fuzzed_pages = 0
    for name, url in sorted(urls_for(world, "secret").items()):
        if name in POST_ONLY or name in NOT_LIST_PAGES:
            continue
        first = client.get(url)
        if first.status_code != 200 or not first["Content-Type"].startswith("text/html"):
            continue
        parameters = sorted(parameters_of(url, first.content.decode()))
        fuzzed_pages += 1
        for value in HOSTILE_VALUES:
            # One parameter at a time, then all of them at once.
            queries = [{parameter: value} for parameter in parameters] + [dict.fromkeys(parameters, value)]
            if name == "projects:reserve":
                queries += [{"view": view, "group": value} for view in ("sector", "township", "chain")]
            for query in queries:
                response = client.get(f"{url}?{urlencode(query)}")
                if response.status_code >= 500:
                    failures.append(f"{name} {query!r:.80} → {response.status_code}")
    assert fuzzed_pages >= 15, fuzzed_pages
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/projects/lists/reserve/?view=sector&group=abc", "筛选条件"),
        ("/projects/lists/reserve/?view=township&group=abc", "筛选条件"),
        ("/projects/lists/adjustments/?year=99999999999", "筛选条件"),
        ("/projects/?q=%00", "筛选条件"),
        ("/notifications/sent/?kind=%00", "筛选条件"),
    ],
)
def test_the_reported_pages_show_the_unfiltered_list_with_a_message(client, drc, path, message):
    client.force_login(drc)

    response = client.get(path)

    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any(message in m for m in shown), shown
