"""Tamper evidence: a hash chain over every history row, written by the database, verified by verify_audit."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, transaction

from auditlog.chain import CHAIN_TABLE, CHAIN_TRIGGER, chain_now, chained_tables, verify_chain
from auditlog.models import ChainEntry
from ganzhou_projects.history_guard import ROW_TRIGGER
from projects import services
from projects.models import Project


@pytest.fixture
def chained(db):
    """Chain this test's history rows as they are written (the trigger otherwise fires at commit)."""
    chain_now()


def change_investment(project, user, amount, reason="可研批复调整"):
    return services.project_update(
        project=project,
        acting_user=user,
        reason=reason,
        total_investment=Decimal(amount),
        today=datetime.date(2026, 3, 1),
    )


def test_every_history_table_carries_the_chain_trigger(db):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname = %s AND t.tgdeferrable AND t.tginitdeferred",
            [CHAIN_TRIGGER],
        )
        triggered = {row[0] for row in cursor.fetchall()}
    tables = set(chained_tables())
    assert "early_warnings_historicalproblem_responsible_units" in tables
    assert tables <= triggered


def test_each_history_row_is_chained_to_the_previous_one(chained, project_a, drc):
    before = ChainEntry.objects.count()
    change_investment(project_a, drc, "1234.50")
    history = project_a.history.order_by("-history_id").first()
    entry = ChainEntry.objects.get(table_name="projects_historicalproject", row_pk=history.history_id)
    previous = ChainEntry.objects.filter(id__lt=entry.id).order_by("-id").first()
    import hashlib

    assert entry.link == hashlib.sha256(
        f"{previous.link}|projects_historicalproject|{history.history_id}|{entry.row_hash}".encode()
    ).hexdigest()
    assert ChainEntry.objects.count() > before
    result = verify_chain()
    assert result.intact, result.finding
    assert result.entries == ChainEntry.objects.count()


def test_the_chain_table_is_append_only(chained, project_a, drc):
    change_investment(project_a, drc, "99")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ChainEntry.objects.update(link="0" * 64)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        ChainEntry.objects.all().delete()


def _as_superuser(sql, params):
    """What a superuser can do: switch the guard off on one table, change it, switch it on again."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses a table with pending FK checks
        cursor.execute(f"ALTER TABLE projects_historicalproject DISABLE TRIGGER {ROW_TRIGGER}")
        cursor.execute(sql, params)
        cursor.execute(f"ALTER TABLE projects_historicalproject ENABLE TRIGGER {ROW_TRIGGER}")


def test_a_row_altered_in_the_database_is_named(chained, project_a, drc, capsys):
    change_investment(project_a, drc, "1500")
    change_investment(project_a, drc, "1800")
    target = project_a.history.order_by("history_id")[1]
    assert verify_chain().intact
    _as_superuser(
        "UPDATE projects_historicalproject SET total_investment = 1 WHERE history_id = %s", [target.history_id]
    )
    result = verify_chain()
    assert not result.intact
    assert result.finding.problem == "altered"
    assert (result.finding.table, result.finding.row_pk) == ("projects_historicalproject", target.history_id)
    assert f"第 {target.history_id} 条" in result.finding.message and "重点项目" in result.finding.message
    with pytest.raises(SystemExit) as stopped:
        call_command("verify_audit")
    assert stopped.value.code == 1
    assert f"第 {target.history_id} 条" in capsys.readouterr().err


def test_a_row_deleted_in_the_database_is_named(chained, project_a, drc):
    change_investment(project_a, drc, "1500")
    target = project_a.history.order_by("-history_id").first()
    _as_superuser("DELETE FROM projects_historicalproject WHERE history_id = %s", [target.history_id])
    result = verify_chain()
    assert result.finding.problem == "removed"
    assert result.finding.row_pk == target.history_id
    assert "已被删除" in result.finding.message


def test_a_removed_chain_entry_breaks_the_chain_where_it_was(chained, project_a, drc):
    change_investment(project_a, drc, "1500")
    change_investment(project_a, drc, "1600")
    entries = list(ChainEntry.objects.order_by("-id")[:2])
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {CHAIN_TABLE} DISABLE TRIGGER {ROW_TRIGGER}")
        cursor.execute(f"DELETE FROM {CHAIN_TABLE} WHERE id = %s", [entries[1].id])  # noqa: S608
        cursor.execute(f"ALTER TABLE {CHAIN_TABLE} ENABLE TRIGGER {ROW_TRIGGER}")
        # ...and the row it chained, so no entry points at a missing row
        cursor.execute(f"ALTER TABLE {entries[1].table_name} DISABLE TRIGGER {ROW_TRIGGER}")
        pkcol = chained_tables()[entries[1].table_name]
        cursor.execute(f'DELETE FROM "{entries[1].table_name}" WHERE "{pkcol}" = %s', [entries[1].row_pk])  # noqa: S608
        cursor.execute(f"ALTER TABLE {entries[1].table_name} ENABLE TRIGGER {ROW_TRIGGER}")
    result = verify_chain()
    assert result.finding.problem == "link"
    assert result.finding.entry_id == entries[0].id
    assert "断开" in result.finding.message


def test_a_row_written_with_the_triggers_off_is_named(chained, project_a, drc):
    change_investment(project_a, drc, "1500")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")
        Project.objects.filter(pk=project_a.pk).update(name="改名")  # no history at all: not our business
        project = Project.objects.get(pk=project_a.pk)
        project.name = "绕过触发器改名"
        project._history_user = drc
        project.save()
        cursor.execute("SET LOCAL session_replication_role = origin")
    result = verify_chain()
    assert result.finding.problem == "unchained"
    assert result.finding.row_pk == project.history.order_by("-history_id").first().history_id


def test_the_head_an_auditor_noted_must_still_be_in_the_chain(chained, project_a, drc, capsys):
    change_investment(project_a, drc, "1500")
    head = verify_chain()
    call_command("verify_audit", head=f"{head.entries}:{head.head_link}")
    assert "完整" in capsys.readouterr().out
    result = verify_chain(head=(head.entries, "f" * 64))
    assert result.finding.problem == "head"


def test_the_auditors_page_reports_intact_or_names_the_row(chained, client, auditor, project_a, drc):
    from django.core.cache import cache

    from auditlog.views import VERIFICATION_CACHE_KEY

    cache.delete(VERIFICATION_CACHE_KEY)
    change_investment(project_a, drc, "1500")
    client.force_login(auditor)
    assert "尚未校验" in client.get("/audit/verify/").content.decode()
    response = client.post("/audit/verify/", follow=True)
    assert "完整" in response.content.decode() and "不完整" not in response.content.decode()
    target = project_a.history.order_by("-history_id").first()
    _as_superuser("UPDATE projects_historicalproject SET name = 'x' WHERE history_id = %s", [target.history_id])
    page = client.post("/audit/verify/", follow=True).content.decode()
    assert "不完整" in page and f"第 {target.history_id} 条" in page
    cache.delete(VERIFICATION_CACHE_KEY)


def test_the_nightly_job_tells_auditors_and_administrators_once_when_the_chain_breaks(
    chained, project_a, drc, auditor, administrator
):
    from notifications.jobs import run_job
    from notifications.models import Notice

    change_investment(project_a, drc, "1500")
    day = datetime.date(2026, 3, 2)
    assert run_job("audit_chain_broken", day).notices_created == 0
    target = project_a.history.order_by("-history_id").first()
    _as_superuser("UPDATE projects_historicalproject SET name = 'x' WHERE history_id = %s", [target.history_id])
    assert run_job("audit_chain_broken", day).notices_created == 1
    assert run_job("audit_chain_broken", day).notices_created == 0  # once a day
    notice = Notice.objects.get(kind="audit_chain_broken")
    assert f"第 {target.history_id} 条" in notice.body
    assert set(notice.recipients.values_list("user__username", flat=True)) == {auditor.username, administrator.username}
