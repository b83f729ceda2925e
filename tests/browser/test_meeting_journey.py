"""A leader opens the dispatch meeting and downloads its packet; the PDF is the version DRC built."""

import datetime
import io

import pypdf
import pytest
import time_machine

from dispatch.models import SHANGHAI
from meetings import services
from meetings.packet import packet_build
from tests.browser.conftest import login
from tests.meetings.conftest import make_projects

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime.datetime(2026, 11, 24, 10, 0, tzinfo=SHANGHAI)


def test_leader_opens_the_meeting_and_downloads_the_packet(page, drc, leader, town_a, town_b, tmp_path):
    with time_machine.travel(NOW, tick=False):
        projects = make_projects(drc, {"a": town_a, "b": town_b})
        series = services.series_create(
            name="甘州区重点项目建设调度会", chair=leader, cadence="monthly", every_weeks=None, acting_user=drc
        )
        meeting = services.meeting_create(
            series=series, date=datetime.date(2026, 11, 26), location="区政府三楼会议室", acting_user=drc
        )
        services.agenda_item_add(meeting=meeting, title="梁家墩镇冷链物流园用地协调", acting_user=drc)
        version = packet_build(meeting=meeting, acting_user=drc)

    login(page, "leader")
    page.click("nav.mainnav >> text=调度会")
    page.click(f"#meeting-{meeting.pk} a")
    page.wait_for_selector("#agenda")
    assert "梁家墩镇冷链物流园用地协调" in page.inner_text("#agenda")
    assert "区政府三楼会议室" in page.inner_text("#meeting-facts")
    row = page.locator("#packet-1")
    assert "2026-11-24 10:00" in row.inner_text()
    with page.expect_download() as download_info:
        row.locator(".packet-download").click()
    download = download_info.value
    assert download.suggested_filename == version.file_name
    path = tmp_path / "packet.pdf"
    download.save_as(path)
    content = path.read_bytes()
    assert content == bytes(version.pdf)
    text = "".join("".join(p.extract_text().split()) for p in pypdf.PdfReader(io.BytesIO(content)).pages)
    assert all(project.name in text for project in projects)
    assert page.locator("#packet-build").count() == 0
