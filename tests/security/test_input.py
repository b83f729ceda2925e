"""Hostile input: HTML in text shows as text on pages and in Excel, formulas are never formulas in any export,
XXE and entity-expansion workbooks are refused before parsing, and a failed upload leaves nothing behind."""

import io
import zipfile

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import reverse

from dispatch import services as dispatch_services
from dispatch.models import ReportPhoto
from ganzhou_projects.xlsx import load_workbook_safely
from projects.models import Project
from tests.test_permission_walk import urls_for

pytestmark = pytest.mark.django_db
HOSTILE = '=HYPERLINK("http://evil.example","点我")<script>alert(1)</script><b onmouseover=x>粗</b>'


def test_html_and_formulas_in_text_are_text_on_every_page_and_in_every_workbook(client, world, drc):
    project = world["secret"]["project"]
    Project.objects.filter(pk=project.pk).update(name=HOSTILE)
    client.force_login(drc)
    urls = urls_for(world, "secret")
    tables = reverse("dispatch:official_tables", kwargs={"year": 2026, "month": 11})
    unit = project.responsible_unit_id
    urls |= {
        "official construction table": f"{tables}?download=construction&unit={unit}",
        "unit workbook": reverse("dispatch:unit_workbook", kwargs={"year": 2026, "month": 11}) + f"?unit={unit}",
    }
    pages = workbooks = 0
    for name, url in urls.items():
        response = client.get(url)
        if response.status_code != 200:
            continue
        kind = response.get("Content-Type", "")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if kind.startswith("text/html"):
            text = body.decode()
            assert "<script>alert(1)</script>" not in text and "<b onmouseover" not in text, name
            if "HYPERLINK" in text:
                assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text, name
                pages += 1
        elif kind.startswith("application/vnd.openxmlformats"):
            workbook = openpyxl.load_workbook(io.BytesIO(body))
            cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
            assert not [c.coordinate for c in cells if c.data_type == "f"], name  # no formula anywhere
            hostile = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
            if hostile:
                assert all(c.data_type == "s" and c.value.startswith("=HYPERLINK") for c in hostile), name
                assert any("<script>alert(1)</script>" in c.value for c in hostile), name  # kept, as text
                workbooks += 1
    assert pages >= 5
    assert workbooks >= 2


def xlsx_with(member: str, prefix: bytes) -> SimpleUploadedFile:
    """A real workbook whose `member` starts with `prefix` (a DTD) before its own XML."""
    buffer = io.BytesIO()
    workbook = openpyxl.Workbook()
    workbook.active.append(["序号", "项目名称"])
    workbook.save(buffer)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == member:
                data = data.replace(b"<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>", b"")
                data = b'<?xml version="1.0"?>' + prefix + data
            target.writestr(info, data)
    return SimpleUploadedFile("evil.xlsx", out.getvalue())


BILLION_LAUGHS = (
    b'<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
XXE = b'<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'


@pytest.mark.parametrize("member", ["xl/workbook.xml", "xl/worksheets/sheet1.xml", "xl/styles.xml"])
@pytest.mark.parametrize("prefix", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_xxe_and_entity_expansion_workbooks_are_refused_before_parsing(member, prefix):
    upload = xlsx_with(member, prefix)
    names = zipfile.ZipFile(io.BytesIO(upload.read())).namelist()
    upload.seek(0)
    if member not in names:
        pytest.fail(f"the sample workbook has no {member}: {names}")
    with pytest.raises(ValidationError) as refused:
        load_workbook_safely(upload)
    assert refused.value.code == "xml_declaration"


def test_the_import_page_refuses_such_a_workbook_with_a_chinese_message(client, drc, town_a):
    client.force_login(drc)
    before = Project.objects.count()
    response = client.post(reverse("projects:import_projects"), {"file": xlsx_with("xl/worksheets/sheet1.xml", XXE)})
    assert response.status_code == 200
    assert "出于安全考虑已拒绝" in response.content.decode()
    assert Project.objects.count() == before


def test_openpyxl_parses_with_defusedxml_as_a_second_line():
    from openpyxl.xml import DEFUSEDXML

    assert DEFUSEDXML is True


def test_a_photo_upload_failing_half_way_leaves_no_row_no_history_and_no_file(
    world, reporter_a, settings, monkeypatch
):
    from PIL import Image

    report = world["own"]["report"]
    photos, history = ReportPhoto.objects.count(), ReportPhoto.history.count()
    media = settings.MEDIA_ROOT
    files_before = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "PNG")
    upload = SimpleUploadedFile("site.png", buffer.getvalue(), content_type="image/png")

    def fail(*args, **kwargs):
        raise DatabaseError("the database went away half-way")

    monkeypatch.setattr(dispatch_services, "save_with_history", fail)
    with pytest.raises(DatabaseError):
        dispatch_services.photo_add(report=report, upload=upload, caption="现场", acting_user=reporter_a)
    assert (ReportPhoto.objects.count(), ReportPhoto.history.count()) == (photos, history)
    files_after = {p for p in media.rglob("*") if p.is_file()} if media.exists() else set()
    assert files_after == files_before


def test_a_photo_that_is_not_a_picture_or_too_large_is_refused(world, reporter_a, settings):
    report = world["own"]["report"]
    fake = SimpleUploadedFile("site.png", b"<html><script>alert(1)</script></html>", content_type="image/png")
    with pytest.raises(ValidationError):
        dispatch_services.photo_add(report=report, upload=fake, caption="", acting_user=reporter_a)
    settings.MAX_PHOTO_BYTES = 10
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "blue").save(buffer, "PNG")
    with pytest.raises(ValidationError):
        dispatch_services.photo_add(
            report=report, upload=SimpleUploadedFile("big.png", buffer.getvalue()), caption="", acting_user=reporter_a
        )
