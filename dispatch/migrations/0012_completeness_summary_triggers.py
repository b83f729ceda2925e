"""The triggers that keep dispatch.models.CompletenessSummary (written by hand)."""

from django.db import migrations

# A unit's row of a year counts, per month, its expected projects (on the year's annual list on the month's
# deadline day) and those of them whose sent report is on time or late (ReportYearSummary.timeliness_mm, kept by
# migration 0010's triggers). What changes them, and what the triggers below do:
#   - a list entry inserted, changed or deleted, a project moved to another unit, a period's deadline day moved:
#     the rows of the (unit, year) pairs touched are recomputed from the entries and the summaries
#     (`dispatch_completeness_refresh`; a deadline move recomputes every unit of the year);
#   - a report summary's timeliness changed (a report sent, deleted, moved): the rows are adjusted by the change,
#     counted for the months the project is expected in — a month's submission of hundreds of reports, one
#     statement each, then costs an index lookup per report, not a recount of the unit.
# Both lock the rows they write in a fixed order, and the recount reads in a later statement than its lock: under
# READ COMMITTED it sees every transaction that held the lock before, and an adjustment waiting for the lock adds
# its change to the recount's result, so two concurrent transactions never leave a row without the other's
# change. Frozen here, as a migration must be: the annual list's choice value, the deadline's day and time zone
# (dispatch.models.default_deadline, settings.TIME_ZONE) and the timeliness codes of ReportYearSummary.
MONTHS = range(1, 13)
ANNUAL = "'annual'"
TIME_ZONE = "'Asia/Shanghai'"
DEADLINE_DAY = 20
ON_TIME, LATE = 1, 2
TABLE = "dispatch_completenesssummary"
COLUMNS = [f"{kind}_{m:02d}" for m in MONTHS for kind in ("expected", "on_time", "late")]


def _bit(m, mask="c.mask"):
    return f"{mask} & {1 << (m - 1)} <> 0"


# The recount of a (unit, year): c is a project's mask of expected months, s its report summary of the year.
RECOUNTS = [
    value
    for m in MONTHS
    for value in (
        f"COUNT(c.project_id) FILTER (WHERE {_bit(m)})",
        f"COUNT(*) FILTER (WHERE {_bit(m)} AND s.timeliness_{m:02d} = {ON_TIME})",
        f"COUNT(*) FILTER (WHERE {_bit(m)} AND s.timeliness_{m:02d} = {LATE})",
    )
]

DAYS = f"""
CREATE OR REPLACE FUNCTION dispatch_completeness_days(years integer[])
RETURNS TABLE (year integer, month integer, day date) LANGUAGE sql STABLE AS $$
    -- Each month's deadline day: the saved period's, else the default one (an unsaved period has no other).
    SELECT y.year, m.month,
           COALESCE((p.deadline AT TIME ZONE {TIME_ZONE})::date, make_date(y.year, m.month, {DEADLINE_DAY}))
    FROM (SELECT DISTINCT unnest(years) AS year) y
    CROSS JOIN generate_series(1, 12) AS m(month)
    LEFT JOIN dispatch_reportingperiod p ON p.year = y.year AND p.month = m.month
$$;
"""

REFRESH = f"""
CREATE OR REPLACE FUNCTION dispatch_completeness_refresh(unit_ids bigint[], years integer[])
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    uids bigint[];
    ys integer[];
BEGIN
    SELECT array_agg(unit_id ORDER BY unit_id, year), array_agg(year ORDER BY unit_id, year)
    INTO uids, ys
    FROM (
        SELECT DISTINCT t.unit_id, t.year FROM unnest(unit_ids, years) AS t(unit_id, year)
        WHERE t.unit_id IS NOT NULL AND t.year IS NOT NULL
    ) touched;
    IF uids IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO {TABLE} (unit_id, year)
        SELECT unit_id, year FROM unnest(uids, ys) AS t(unit_id, year)
        ON CONFLICT (unit_id, year) DO NOTHING;
    PERFORM 1 FROM {TABLE} target
        JOIN unnest(uids, ys) AS t(unit_id, year) ON target.unit_id = t.unit_id AND target.year = t.year
        ORDER BY target.unit_id, target.year FOR UPDATE OF target;
    UPDATE {TABLE} target
    SET ({", ".join(COLUMNS)}) = ({", ".join(f"a.{c}" for c in COLUMNS)})
    FROM (
        WITH touched AS (SELECT * FROM unnest(uids, ys) AS t(unit_id, year)),
        days AS (SELECT * FROM dispatch_completeness_days(ys)),
        covered AS (
            SELECT t.unit_id, t.year, e.project_id, bit_or(1 << (d.month - 1)) AS mask
            FROM touched t
            JOIN projects_project p ON p.responsible_unit_id = t.unit_id
            JOIN projects_listentry e ON e.project_id = p.id AND e.kind = {ANNUAL} AND e.year = t.year
            JOIN days d ON d.year = e.year AND e.joined_on <= d.day AND (e.left_on IS NULL OR e.left_on > d.day)
            GROUP BY t.unit_id, t.year, e.project_id
        )
        SELECT t.unit_id, t.year, {", ".join(f"{v} AS {c}" for c, v in zip(COLUMNS, RECOUNTS, strict=True))}
        FROM touched t
        LEFT JOIN covered c ON c.unit_id = t.unit_id AND c.year = t.year
        LEFT JOIN dispatch_reportyearsummary s ON s.project_id = c.project_id AND s.year = c.year
        GROUP BY t.unit_id, t.year
    ) a
    WHERE target.unit_id = a.unit_id AND target.year = a.year;
END;
$$;
"""  # noqa: S608 - fixed table and column names only; the function takes its values as arguments

# Every unit's rows of every year with an annual list, from scratch (the backfill, and after a TRUNCATE).
REBUILD = f"""
CREATE OR REPLACE FUNCTION dispatch_completeness_rebuild() RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    uids bigint[];
    ys integer[];
BEGIN
    DELETE FROM {TABLE};
    SELECT array_agg(p.responsible_unit_id), array_agg(e.year) INTO uids, ys
    FROM projects_listentry e JOIN projects_project p ON p.id = e.project_id
    WHERE e.kind = {ANNUAL} AND e.year IS NOT NULL;
    IF uids IS NOT NULL THEN
        PERFORM dispatch_completeness_refresh(uids, ys);
    END IF;
END;
$$;
CREATE OR REPLACE FUNCTION dispatch_completeness_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM dispatch_completeness_rebuild();
    RETURN NULL;
END;
$$;
"""  # noqa: S608 - fixed table and column names only

# The change of a report summary statement, as rows (project_id, year, sign, t_01 … t_12): the old rows count -1,
# the new ones +1; rows whose timeliness did not change are left out.
TIMELINESS = ", ".join(f"timeliness_{m:02d}" for m in MONTHS)


def _rows(table, sign, alias="x"):
    return (
        f"SELECT {alias}.project_id, {alias}.year, {sign} AS sign, "
        + ", ".join(f"{alias}.timeliness_{m:02d} AS t_{m:02d}" for m in MONTHS)
        + f" FROM {table} {alias}"
    )


CHANGED_ROWS = {
    "INSERT": f"{_rows('new_summaries', 1)} WHERE num_nonnulls({TIMELINESS}) > 0",
    "DELETE": f"{_rows('old_summaries', -1)} WHERE num_nonnulls({TIMELINESS}) > 0",
    "UPDATE": " UNION ALL ".join(
        f"{_rows(table, sign)} JOIN {other} y ON y.id = x.id "
        f"WHERE (x.project_id, x.year, {', '.join(f'x.timeliness_{m:02d}' for m in MONTHS)}) "
        f"IS DISTINCT FROM (y.project_id, y.year, {', '.join(f'y.timeliness_{m:02d}' for m in MONTHS)})"
        for table, sign, other in (("old_summaries", -1, "new_summaries"), ("new_summaries", 1, "old_summaries"))
    ),
}

ADJUSTMENTS = [
    value
    for m in MONTHS
    for value in (
        f"COALESCE(SUM(ch.sign) FILTER (WHERE {_bit(m, 'k.mask')} AND ch.t_{m:02d} = {ON_TIME}), 0)",
        f"COALESCE(SUM(ch.sign) FILTER (WHERE {_bit(m, 'k.mask')} AND ch.t_{m:02d} = {LATE}), 0)",
    )
]
ADJUSTED = [f"{kind}_{m:02d}" for m in MONTHS for kind in ("on_time", "late")]


def _adjust_function(op):
    changes = CHANGED_ROWS[op]
    return f"""
CREATE OR REPLACE FUNCTION dispatch_completeness_summary_{op.lower()}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    uids bigint[];
    ys integer[];
BEGIN
    SELECT array_agg(unit_id ORDER BY unit_id, year), array_agg(year ORDER BY unit_id, year) INTO uids, ys
    FROM (
        SELECT DISTINCT p.responsible_unit_id AS unit_id, ch.year::integer AS year
        FROM ({changes}) ch JOIN projects_project p ON p.id = ch.project_id
    ) touched;
    IF uids IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM 1 FROM {TABLE} target
        JOIN unnest(uids, ys) AS t(unit_id, year) ON target.unit_id = t.unit_id AND target.year = t.year
        ORDER BY target.unit_id, target.year FOR UPDATE OF target;
    UPDATE {TABLE} target
    SET ({", ".join(ADJUSTED)}) = ({", ".join(f"target.{c} + a.{c}" for c in ADJUSTED)})
    FROM (
        WITH ch AS MATERIALIZED ({changes}),
        days AS (SELECT * FROM dispatch_completeness_days(ys)),
        masks AS (
            SELECT e.project_id, e.year, bit_or(1 << (d.month - 1)) AS mask
            FROM (SELECT DISTINCT project_id, year FROM ch) t
            JOIN projects_listentry e ON e.project_id = t.project_id AND e.year = t.year AND e.kind = {ANNUAL}
            JOIN days d ON d.year = e.year AND e.joined_on <= d.day AND (e.left_on IS NULL OR e.left_on > d.day)
            GROUP BY e.project_id, e.year
        )
        SELECT p.responsible_unit_id AS unit_id, ch.year,
               {", ".join(f"{v} AS {c}" for c, v in zip(ADJUSTED, ADJUSTMENTS, strict=True))}
        FROM ch
        JOIN masks k ON k.project_id = ch.project_id AND k.year = ch.year
        JOIN projects_project p ON p.id = ch.project_id
        GROUP BY p.responsible_unit_id, ch.year
    ) a
    WHERE target.unit_id = a.unit_id AND target.year = a.year;
    RETURN NULL;
END;
$$;
"""  # noqa: S608 - fixed table and column names only


def _entries(table):
    return f"SELECT x.project_id, x.year FROM {table} x WHERE x.kind = {ANNUAL} AND x.year IS NOT NULL"


# The list entries a statement touched, by (project, year); an update that keeps what the count reads is left out.
ENTRY_CHANGES = {
    "INSERT": _entries("new_entries"),
    "DELETE": _entries("old_entries"),
    "UPDATE": " UNION ALL ".join(
        f"{_entries(table)} AND EXISTS (SELECT 1 FROM {other} y WHERE y.id = x.id AND "
        "(x.project_id, x.kind, x.year, x.joined_on, x.left_on) "
        "IS DISTINCT FROM (y.project_id, y.kind, y.year, y.joined_on, y.left_on))"
        for table, other in (("old_entries", "new_entries"), ("new_entries", "old_entries"))
    ),
}


def _entries_function(op):
    return f"""
CREATE OR REPLACE FUNCTION dispatch_completeness_entries_{op.lower()}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    uids bigint[];
    ys integer[];
BEGIN
    SELECT array_agg(p.responsible_unit_id), array_agg(t.year) INTO uids, ys
    FROM ({ENTRY_CHANGES[op]}) t JOIN projects_project p ON p.id = t.project_id;
    IF uids IS NOT NULL THEN
        PERFORM dispatch_completeness_refresh(uids, ys);
    END IF;
    RETURN NULL;
END;
$$;
"""  # noqa: S608 - fixed table and column names only


def _deadline_day(row):
    return f"({row}.deadline AT TIME ZONE {TIME_ZONE})::date"


def _moved(row):
    return f"{_deadline_day(row)} <> make_date({row}.year, {row}.month, {DEADLINE_DAY})"


OTHERS = f"""
-- A project moved to another unit leaves one unit's rows of its list years and enters the other's.
CREATE OR REPLACE FUNCTION dispatch_completeness_project_moved() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ys integer[];
BEGIN
    ys := ARRAY(
        SELECT DISTINCT e.year::integer FROM projects_listentry e
        WHERE e.project_id = NEW.id AND e.kind = {ANNUAL} AND e.year IS NOT NULL
    );
    IF cardinality(ys) > 0 THEN
        PERFORM dispatch_completeness_refresh(
            array_fill(OLD.responsible_unit_id::bigint, ARRAY[cardinality(ys)])
                || array_fill(NEW.responsible_unit_id::bigint, ARRAY[cardinality(ys)]),
            ys || ys
        );
    END IF;
    RETURN NULL;
END;
$$;
-- A period's deadline day decides who is expected that month: when a saved period's day differs from the
-- default one (or stops differing), every unit's row of the year is recounted. Saving a period with the
-- default deadline (the monthly job, a first draft) changes nothing.
CREATE OR REPLACE FUNCTION dispatch_completeness_period_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    years integer[] := '{{}}';
    uids bigint[];
    ys integer[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        IF {_moved("NEW")} THEN
            years := ARRAY[NEW.year::integer];
        END IF;
    ELSIF TG_OP = 'DELETE' THEN
        IF {_moved("OLD")} THEN
            years := ARRAY[OLD.year::integer];
        END IF;
    ELSIF (OLD.year, OLD.month, {_deadline_day("OLD")}) IS DISTINCT FROM (NEW.year, NEW.month, {_deadline_day("NEW")})
    THEN
        years := ARRAY[OLD.year::integer, NEW.year::integer];
    END IF;
    IF cardinality(years) = 0 THEN
        RETURN NULL;
    END IF;
    SELECT array_agg(u.id), array_agg(y.year) INTO uids, ys FROM projects_unit u CROSS JOIN unnest(years) AS y(year);
    IF uids IS NOT NULL THEN
        PERFORM dispatch_completeness_refresh(uids, ys);
    END IF;
    RETURN NULL;
END;
$$;
"""

CREATE_TRIGGERS = """
CREATE TRIGGER completeness_summary_insert AFTER INSERT ON dispatch_reportyearsummary
    REFERENCING NEW TABLE AS new_summaries FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_summary_insert();
CREATE TRIGGER completeness_summary_update AFTER UPDATE ON dispatch_reportyearsummary
    REFERENCING OLD TABLE AS old_summaries NEW TABLE AS new_summaries
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_summary_update();
CREATE TRIGGER completeness_summary_delete AFTER DELETE ON dispatch_reportyearsummary
    REFERENCING OLD TABLE AS old_summaries FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_summary_delete();
CREATE TRIGGER completeness_entries_insert AFTER INSERT ON projects_listentry
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_entries_insert();
CREATE TRIGGER completeness_entries_update AFTER UPDATE ON projects_listentry
    REFERENCING OLD TABLE AS old_entries NEW TABLE AS new_entries
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_entries_update();
CREATE TRIGGER completeness_entries_delete AFTER DELETE ON projects_listentry
    REFERENCING OLD TABLE AS old_entries FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_entries_delete();
CREATE TRIGGER completeness_project_moved AFTER UPDATE OF responsible_unit_id ON projects_project
    FOR EACH ROW WHEN (OLD.responsible_unit_id IS DISTINCT FROM NEW.responsible_unit_id)
    EXECUTE FUNCTION dispatch_completeness_project_moved();
CREATE TRIGGER completeness_period_changed AFTER INSERT OR DELETE OR UPDATE OF year, month, deadline
    ON dispatch_reportingperiod FOR EACH ROW EXECUTE FUNCTION dispatch_completeness_period_changed();
CREATE TRIGGER completeness_entries_truncate AFTER TRUNCATE ON projects_listentry
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_truncated();
CREATE TRIGGER completeness_summary_truncate AFTER TRUNCATE ON dispatch_reportyearsummary
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_truncated();
CREATE TRIGGER completeness_periods_truncate AFTER TRUNCATE ON dispatch_reportingperiod
    FOR EACH STATEMENT EXECUTE FUNCTION dispatch_completeness_truncated();
"""

TRIGGERS = (
    [_adjust_function(op) for op in ("INSERT", "UPDATE", "DELETE")]
    + [_entries_function(op) for op in ("INSERT", "UPDATE", "DELETE")]
    + [OTHERS, CREATE_TRIGGERS]
)

DROP = """
DROP TRIGGER IF EXISTS completeness_summary_insert ON dispatch_reportyearsummary;
DROP TRIGGER IF EXISTS completeness_summary_update ON dispatch_reportyearsummary;
DROP TRIGGER IF EXISTS completeness_summary_delete ON dispatch_reportyearsummary;
DROP TRIGGER IF EXISTS completeness_summary_truncate ON dispatch_reportyearsummary;
DROP TRIGGER IF EXISTS completeness_entries_insert ON projects_listentry;
DROP TRIGGER IF EXISTS completeness_entries_update ON projects_listentry;
DROP TRIGGER IF EXISTS completeness_entries_delete ON projects_listentry;
DROP TRIGGER IF EXISTS completeness_entries_truncate ON projects_listentry;
DROP TRIGGER IF EXISTS completeness_project_moved ON projects_project;
DROP TRIGGER IF EXISTS completeness_period_changed ON dispatch_reportingperiod;
DROP TRIGGER IF EXISTS completeness_periods_truncate ON dispatch_reportingperiod;
DROP FUNCTION IF EXISTS dispatch_completeness_summary_insert();
DROP FUNCTION IF EXISTS dispatch_completeness_summary_update();
DROP FUNCTION IF EXISTS dispatch_completeness_summary_delete();
DROP FUNCTION IF EXISTS dispatch_completeness_entries_insert();
DROP FUNCTION IF EXISTS dispatch_completeness_entries_update();
DROP FUNCTION IF EXISTS dispatch_completeness_entries_delete();
DROP FUNCTION IF EXISTS dispatch_completeness_project_moved();
DROP FUNCTION IF EXISTS dispatch_completeness_period_changed();
DROP FUNCTION IF EXISTS dispatch_completeness_truncated();
DROP FUNCTION IF EXISTS dispatch_completeness_rebuild();
DROP FUNCTION IF EXISTS dispatch_completeness_refresh(bigint[], integer[]);
DROP FUNCTION IF EXISTS dispatch_completeness_days(integer[]);
"""


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return  # the completeness counts are PostgreSQL SQL (FILTER, bit masks); SQLite serves no grid
    for sql in (DAYS, REFRESH, REBUILD, *TRIGGERS):
        schema_editor.execute(sql)
    schema_editor.execute("SELECT dispatch_completeness_rebuild()")


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0011_completeness_summary"),
        ("projects", "0008_user_groups_history"),
    ]

    operations = [migrations.RunPython(install, uninstall, elidable=False)]
