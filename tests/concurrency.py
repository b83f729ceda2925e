"""Two real transactions at once, in a forced order, for the tests of lost updates (PostgreSQL only).

``race(first, second)``: ``first`` runs in its own thread and connection inside a transaction
and, once it has done its write (and so holds the row lock), keeps the transaction open; then
``second`` runs in another thread and connection. When PostgreSQL shows the second waiting for
a lock, the first commits, and the second goes on. So the second always starts from what it
read before the first committed — the interleaving that loses an update when a service does
not lock and re-read. A ``second`` that needs no lock (it was refused before it asked for one)
simply finishes first.

Tests using it need ``@pytest.mark.django_db(transaction=True)``: each thread commits.
"""

import threading
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

TIMEOUT = 20  # seconds: a deadlock or a missing lock fails the test instead of hanging it


@dataclass
class Outcome:
    result: Any = None
    error: BaseException | None = None

    def get(self):
        """The result, or the exception the call raised, re-raised here."""
        if self.error is not None:
            raise self.error
        return self.result


def _waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def race(first, second, *, second_waits: bool = True) -> tuple[Outcome, Outcome]:
    """Run `first` and hold its transaction open until `second` is blocked on a lock, then let both finish.

    With `second_waits=False` the second is expected to finish without waiting (e.g. it is refused
    on what it reads); the first then commits after it.
    """
    holding, release = threading.Event(), threading.Event()
    outcomes = (Outcome(), Outcome())

    def run_first():
        try:
            with transaction.atomic():
                outcomes[0].result = first()
                holding.set()
                release.wait(TIMEOUT)
        except BaseException as error:  # reported to the test through the outcome
            outcomes[0].error = error
        finally:
            holding.set()
            connection.close()

    def run_second():
        try:
            outcomes[1].result = second()
        except BaseException as error:
            outcomes[1].error = error
        finally:
            connection.close()

    one = threading.Thread(target=run_first)
    one.start()
    assert holding.wait(TIMEOUT), "the first transaction did not get going"
    if outcomes[0].error is not None:
        one.join(TIMEOUT)
        raise outcomes[0].error
    two = threading.Thread(target=run_second)
    two.start()
    deadline = time.monotonic() + TIMEOUT
    while second_waits and two.is_alive() and _waiting_for_a_lock() == 0:
        assert time.monotonic() < deadline, "the second transaction never waited for the first one's lock"
        time.sleep(0.02)
    assert not second_waits or two.is_alive(), "the second transaction finished without waiting for the lock"
    if not second_waits:
        two.join(TIMEOUT)
    release.set()
    one.join(TIMEOUT)
    two.join(TIMEOUT)
    assert not one.is_alive() and not two.is_alive(), "a transaction is stuck"
    return outcomes
