"""The triggers that keep dispatch.models.ReportYearSummary (written by hand)."""

from django.db import migrations

# The summary (dispatch.models.ReportYearSummary) is kept by PostgreSQL: three statement triggers on the reports
# table, with transition tables, pass the (project, period) pairs a statement touched to one function that
# recomputes those projects' rows of those years from their sent reports. The function first makes sure each row
# exists and locks the rows in a fixed order, then recomputes them in a later statement: under READ COMMITTED
# that statement sees every transaction that held the lock before, so two concurrent saves of one project's
# reports never leave a row computed from a snapshot without the other's change. The values below are the
# choice values of dispatch.models at the time of writing (frozen here, as a migration must be).
MONTHS = range(1, 13)
SENT = "r.status <> 'draft'"
STARTED = "('started', 'resumed', 'completed')"
PROCEDURES = (
    "proc_land",
    "proc_approval",
    "proc_land_planning",
    "proc_construction_planning",
    "proc_eia",
    "proc_construction_permit",
)
REQUIRED = "('not_started', 'in_progress', 'done')"
DONE = "('done')"


def _count(statuses):
    return " + ".join(f"(CASE WHEN r.{name} IN {statuses} THEN 1 ELSE 0 END)" for name in PROCEDURES)


COLUMNS = ["started_month"] + [f"{kind}_{m:02d}" for m in MONTHS for kind in ("invested", "procedures", "timeliness")]
VALUES = [f"MIN(p.month) FILTER (WHERE r.start_status IN {STARTED})"] + [
    value
    for m in MONTHS
    for value in (
        f"SUM(r.investment_this_month) FILTER (WHERE p.month = {m})",
        f"MAX(({_count(REQUIRED)}) * 100 + ({_count(DONE)})) FILTER (WHERE p.month = {m})",
        f"MAX(CASE r.timeliness WHEN 'on_time' THEN 1 WHEN 'late' THEN 2 END) FILTER (WHERE p.month = {m})",
    )
]

REFRESH = f"""
CREATE SEQUENCE IF NOT EXISTS dispatch_report_summary_changed;
CREATE OR REPLACE FUNCTION dispatch_report_summary_refresh(project_ids bigint[], period_ids bigint[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    pids bigint[];
    years integer[];
BEGIN
    SELECT array_agg(project_id ORDER BY project_id, year), array_agg(year ORDER BY project_id, year)
    INTO pids, years
    FROM (
        SELECT DISTINCT t.project_id, p.year
        FROM unnest(project_ids, period_ids) AS t(project_id, period_id)
        JOIN dispatch_reportingperiod p ON p.id = t.period_id
    ) touched;
    IF pids IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO dispatch_reportyearsummary (project_id, year)
        SELECT project_id, year FROM unnest(pids, years) AS t(project_id, year)
        ON CONFLICT (project_id, year) DO NOTHING;
    PERFORM 1 FROM dispatch_reportyearsummary s
        JOIN unnest(pids, years) AS t(project_id, year) ON s.project_id = t.project_id AND s.year = t.year
        ORDER BY s.project_id, s.year FOR UPDATE OF s;
    UPDATE dispatch_reportyearsummary s
    SET ({", ".join(COLUMNS)}, changed) = ({", ".join(f"a.{c}" for c in COLUMNS)}, nextval('dispatch_report_summary_changed'))
    FROM (
        SELECT t.project_id, t.year, {", ".join(f"{v} AS {c}" for c, v in zip(COLUMNS, VALUES, strict=True))}
        FROM unnest(pids, years) AS t(project_id, year)
        LEFT JOIN (dispatch_monthlyreport r JOIN dispatch_reportingperiod p ON p.id = r.period_id)
            ON r.project_id = t.project_id AND p.year = t.year AND {SENT}
        GROUP BY t.project_id, t.year
    ) a
    WHERE s.project_id = a.project_id AND s.year = a.year;
END;
$$
"""  # noqa: S608 - fixed column names and choice values only; the function takes its values as arguments

TRIGGERS = """
CREATE OR REPLACE FUNCTION dispatch_report_summary_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dispatch_report_summary_refresh(
        ARRAY(SELECT project_id FROM new_reports), ARRAY(SELECT period_id FROM new_reports));
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION dispatch_report_summary_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dispatch_report_summary_refresh(
        ARRAY(SELECT project_id FROM old_reports), ARRAY(SELECT period_id FROM old_reports));
    RETURN NULL;
END;
$$;
-- A draft that stays a draft (autosave) changes nothing the summary holds: those rows are left out.
CREATE OR REPLACE FUNCTION dispatch_report_summary_updated() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    project_ids bigint[];
    period_ids bigint[];
BEGIN
    WITH touched AS (
        SELECT o.project_id, o.period_id FROM old_reports o JOIN new_reports n ON n.id = o.id
        WHERE NOT (o.status = 'draft' AND n.status = 'draft')
        UNION ALL
        SELECT n.project_id, n.period_id FROM old_reports o JOIN new_reports n ON n.id = o.id
        WHERE NOT (o.status = 'draft' AND n.status = 'draft')
          AND (n.project_id, n.period_id) IS DISTINCT FROM (o.project_id, o.period_id)
    )
    SELECT array_agg(project_id), array_agg(period_id) INTO project_ids, period_ids FROM touched;
    IF project_ids IS NOT NULL THEN
        PERFORM dispatch_report_summary_refresh(project_ids, period_ids);
    END IF;
    RETURN NULL;
END;
$$;
CREATE OR REPLACE FUNCTION dispatch_report_summary_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    TRUNCATE dispatch_reportyearsummary;
    RETURN NULL;
END;
$$;
CREATE TRIGGER report_summary_insert AFTER INSERT ON dispatch_monthlyreport
    REFERENCING NEW TABLE AS new_reports FOR EACH STATEMENT EXECUTE FUNCTION dispatch_report_summary_inserted();
CREATE TRIGGER report_summary_update AFTER UPDATE ON dispatch_monthlyreport
    REFERENCING OLD TABLE AS old_reports NEW TABLE AS new_reports
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_report_summary_updated();
CREATE TRIGGER report_summary_delete AFTER DELETE ON dispatch_monthlyreport
    REFERENCING OLD TABLE AS old_reports FOR EACH STATEMENT EXECUTE FUNCTION dispatch_report_summary_deleted();
CREATE TRIGGER report_summary_truncate AFTER TRUNCATE ON dispatch_monthlyreport
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_report_summary_truncated();
"""

# The reports saved before this migration.
BACKFILL = """
SELECT dispatch_report_summary_refresh(ARRAY(SELECT project_id FROM dispatch_monthlyreport),
                                       ARRAY(SELECT period_id FROM dispatch_monthlyreport))
"""

DROP = """
DROP TRIGGER IF EXISTS report_summary_insert ON dispatch_monthlyreport;
DROP TRIGGER IF EXISTS report_summary_update ON dispatch_monthlyreport;
DROP TRIGGER IF EXISTS report_summary_delete ON dispatch_monthlyreport;
DROP TRIGGER IF EXISTS report_summary_truncate ON dispatch_monthlyreport;
DROP FUNCTION IF EXISTS dispatch_report_summary_inserted();
DROP FUNCTION IF EXISTS dispatch_report_summary_updated();
DROP FUNCTION IF EXISTS dispatch_report_summary_deleted();
DROP FUNCTION IF EXISTS dispatch_report_summary_truncated();
DROP FUNCTION IF EXISTS dispatch_report_summary_refresh(bigint[], bigint[]);
DROP SEQUENCE IF EXISTS dispatch_report_summary_changed;
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the dashboard's figures are PostgreSQL SQL (GROUPING SETS, FILTER); SQLite serves no dashboard
    schema_editor.execute(REFRESH)
    schema_editor.execute(TRIGGERS)
    schema_editor.execute(BACKFILL)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0009_report_year_summary"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
