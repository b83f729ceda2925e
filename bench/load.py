"""The load test: simulated users on loopback, each a thread with its own logged-in session.

Reporters (most of the users) work on their unit's current month as the page makes them: open the month,
open a card, type and autosave it twice, and now and then open the submit confirmation and submit (which
sends the complete reports as stored, so what they saved goes). DRC users read the review queue and the
other pages marked `in_load` (the dashboard, once its case says so). A submit's page is polled every
second until the worker's result is there, as the browser does. Each user thinks 3–10 s before each step,
the first too (they do not all arrive in the same millisecond). Every request's time counts; a status other
than the expected one, or a refused save, is an error.

Reporters pick their cards at random among the projects of their unit with nothing sent yet this month,
so a second run works on other projects (a unit has hundreds): the run stays comparable until a unit's
month is used up, which `--reseed` resets.
"""

from __future__ import annotations

import random
import re
import statistics
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from html.parser import HTMLParser

from .api import LoadResult
from .http import Session
from .measure import p95

VERSION = re.compile(r'data-version="(\d+)"')
SUBMISSION_PAGE = re.compile(r"^/reports/\d+/\d+/submit/\d+/$")
SUBMISSION_POLLS = 120  # at the page's one a second
SENT_MEANWHILE = "该报告已报送"  # dispatch's refusal of a save to a report no longer editable
THINK_SECONDS = (3.0, 10.0)  # between two steps of a user, uniformly


@dataclass
class LoadEnv:
    base_url: str
    ctx: object
    pages: list = field(default_factory=list)  # the Page cases marked in_load (DRC users read them)
    users: int = 50
    seconds: int = 60

    def session(self, username: str) -> Session:
        session = Session(self.base_url, timeout=60)
        session.login(username)
        return session


class FormFields(HTMLParser):
    """The named inputs, selects and textareas of an HTML fragment with their current values."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("file", "submit", "button", "checkbox", "radio"):
            self.values[name] = a.get("value") or ""
        elif tag == "input" and name and a.get("type") in ("checkbox", "radio") and "checked" in a:
            self.values[name] = a.get("value") or "on"
        elif tag == "select" and name:
            self._select = name
            self.values.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    parser = FormFields()
    parser.feed(html)
    return parser.values


@dataclass
class Recorder:
    timings: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    by_label: dict[str, list[float]] = field(default_factory=dict)
    sent_meanwhile: int = 0  # saves refused because the unit's submit (its other user) sent the card meanwhile
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, label: str, response, expected=(200,)) -> bool:
        with self.lock:
            self.timings.append(response.ms)
            self.by_label.setdefault(label, []).append(response.ms)
            if response.status not in expected:
                self.errors.append(f"{label}: HTTP {response.status}")
                return False
        return True

    def error(self, text: str) -> None:
        with self.lock:
            self.errors.append(text)


def reporter(env: LoadEnv, session: Session, projects: list[int], rec: Recorder, stop: float, rng: random.Random):
    year, month = env.ctx.current
    base = f"/reports/{year}/{month}"
    htmx = {"HX-Request": "true"}
    while time.monotonic() < stop:
        rec.record("month page", session.get(f"{base}/fill/"))
        time.sleep(rng.uniform(*THINK_SECONDS))
        if not projects:
            break
        project = projects.pop()
        card = session.get(f"{base}/cards/{project}/", headers=htmx)
        if not rec.record("card", card):
            continue
        values = form_values(card.text)
        prefix = f"p{project}"
        for typed in range(2):
            if time.monotonic() >= stop:
                return
            time.sleep(rng.uniform(*THINK_SECONDS))
            values[f"{prefix}-investment_this_month"] = f"{rng.randint(1, 500)}.{rng.randint(0, 99):02d}"
            values[f"{prefix}-progress_percent"] = str(rng.randint(10, 90))
            values[f"{prefix}-progress_text"] = f"主体结构施工中，完成第{typed + 1}阶段"
            values["csrfmiddlewaretoken"] = session.cookies.get("csrftoken", "")
            saved = session.post(f"{base}/cards/{project}/save/", values, headers=htmx)
            if rec.record("card save", saved):
                found = VERSION.search(saved.text)
                if found:
                    values[f"{prefix}-version"] = found.group(1)
                elif SENT_MEANWHILE in saved.text:
                    # Two users of a unit share its account: the other one's submit sent this card between two
                    # autosaves. The refusal is the product's right answer (the month went as saved), not an
                    # error; the user stops typing into a sent card, as the page tells them.
                    with rec.lock:
                        rec.sent_meanwhile += 1
                    break
                elif 'class="bad"' in saved.text:
                    rec.error(f"card save refused for project {project}: {saved.text[:120]!r}")
        if rng.random() < 0.25 and time.monotonic() < stop:
            time.sleep(rng.uniform(*THINK_SECONDS))
            confirm = session.get(f"{base}/submit/")
            if rec.record("submit confirmation", confirm):
                time.sleep(rng.uniform(*THINK_SECONDS))
                sent = session.post(f"{base}/submit/", {"csrfmiddlewaretoken": session.csrf_from(confirm)})
                if rec.record("submit", sent, expected=(302,)):
                    follow_submission(session, sent.headers.get("location", ""), rec, stop)


def follow_submission(session: Session, location: str, rec: Recorder, stop: float) -> None:
    """What the browser does after a submit: the month's submission page, polled (htmx, every second) until
    the worker's result is there; a submit answered straight back to the month page has nothing to follow."""
    path = urllib.parse.urlsplit(location).path
    if not SUBMISSION_PAGE.match(path):
        return
    for _poll in range(SUBMISSION_POLLS):
        page = session.get(path, headers={"HX-Request": "true"} if _poll else None)
        if not rec.record("submission page", page) or "hx-trigger" not in page.text:
            return
        if time.monotonic() >= stop:
            return
        time.sleep(1.0)
    rec.error(f"submission {path} not finished after {SUBMISSION_POLLS} polls")


def reader(env: LoadEnv, session: Session, urls: list[str], rec: Recorder, stop: float, rng: random.Random):
    while time.monotonic() < stop:
        url = rng.choice(urls)
        rec.record(f"read {url.split('?')[0]}", session.get(url))
        time.sleep(rng.uniform(*THINK_SECONDS))


def run_load(env: LoadEnv, *, reporters: list[tuple[str, list[int]]], drc_urls: list[str], drc_users: int, seed=14):
    """Log every user in, start them together, run them for env.seconds, and gather every request's time.

    The logins (password hashing) happen before the clock starts and are not counted."""
    rec = Recorder()
    users = [(reporter, username, projects) for username, projects in reporters]
    users += [(reader, "drc", drc_urls)] * drc_users
    stop = [0.0]

    def start_clock():
        stop[0] = time.monotonic() + env.seconds

    ready = threading.Barrier(len(users), action=start_clock)  # released when the last one has logged in

    def user(index, target, username, work):
        rng = random.Random(seed * 1000 + index)
        try:
            session = env.session(username)
        except Exception as error:
            rec.error(f"login {username}: {type(error).__name__}: {error}")
            session = None
        ready.wait()
        if session is None:
            return
        # Users arrive as they go on: the first step, like every later one, comes after a think, not all fifty
        # in the same millisecond (a burst a 2-core machine queues for seconds, measured apart as a spike).
        time.sleep(rng.uniform(*THINK_SECONDS))
        try:
            target(env, session, work, rec, stop[0], rng)
        except Exception as error:  # a user that crashes is an error of the run
            rec.error(f"{username}: {type(error).__name__}: {error}")

    threads = [threading.Thread(target=user, args=(i, *u)) for i, u in enumerate(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counts = ", ".join(
        f"{label} {len(ms)}× median {statistics.median(ms):.0f} ms, p95 {p95(ms):.0f} ms, max {max(ms):.0f} ms"
        for label, ms in sorted(rec.by_label.items())
    )
    note = f"{len(threads)} users for {env.seconds} s: {len(rec.timings)} requests ({counts})"
    if rec.sent_meanwhile:
        note += f"; {rec.sent_meanwhile} card saves refused as sent meanwhile by the unit's submit (expected)"
    return LoadResult(timings_ms=rec.timings, errors=summarise(rec.errors), note=note)


def summarise(errors: list[str]) -> list[str]:
    if not errors:
        return []
    first = {}
    for error in errors:
        first[error] = first.get(error, 0) + 1
    return [f"{len(errors)} errors: " + "; ".join(f"{e} ×{n}" for e, n in list(first.items())[:5])]
