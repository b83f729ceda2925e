"""An auditor reads who changed a project's investment from what to what, filters the global log by that
user, and downloads it as Excel; no page breaks the Content-Security-Policy on the way."""

import datetime
from decimal import Decimal

import openpyxl
import pytest

from projects import services
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_auditor_follows_an_investment_change_to_the_log_and_downloads_it(
    page, auditor, reporter_a, drc, project_a, project_b, tmp_path
):
    services.project_update(
        project=project_a,
        acting_user=reporter_a,
        reason="初步设计批复调增总投资",
        total_investment=Decimal("6800.50"),
        today=datetime.date(2026, 3, 1),
    )
    services.project_update(
        project=project_b,
        acting_user=drc,
        reason="概算调整",
        total_investment=Decimal("900"),
        today=datetime.date(2026, 3, 1),
    )
    violations = []
    page.on("console", lambda message: "Content Security Policy" in message.text and violations.append(message.text))

    login(page, "auditor")
    page.goto(f"/projects/{project_a.pk}/")
    page.click("#audit-timeline-tab")
    timeline = page.inner_text("#record-history")
    assert "王芳" in timeline and "初步设计批复调增总投资" in timeline
    row = page.locator("#record-history tr", has_text="初步设计批复调增总投资")
    assert "5,000.00" in row.inner_text() and "6,800.50" in row.inner_text()

    row.locator("a.audit-user").click()
    page.wait_for_selector("#audit-table")
    assert f"user={reporter_a.pk}" in page.url
    assert page.locator("#id_user").input_value() == str(reporter_a.pk)
    log = page.inner_text("#audit-table")
    assert "6,800.50" in log and "初步设计批复调增总投资" in log
    assert "概算调整" not in log  # the other user's change is filtered out
    actors = page.locator("#audit-table a.audit-user").all_inner_texts()
    assert actors and set(actors) == {"王芳"}

    page.click("#audit-export")
    page.wait_for_selector("#job-download", timeout=30000)
    with page.expect_download() as download_info:
        page.click("#job-download")
    path = tmp_path / "log.xlsx"
    download_info.value.save_as(path)
    rows = list(openpyxl.load_workbook(path).active.iter_rows(values_only=True))
    investment = [r for r in rows if r[6] and str(r[6]).startswith("总投资")]
    assert investment and {r[1] for r in investment} == {"王芳"}
    assert ("5,000.00", "6,800.50") in {(r[7], r[8]) for r in investment}
    assert not any("概算调整" in str(cell) for r in rows for cell in r)
    assert not violations, violations
