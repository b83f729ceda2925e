"""The fill-in page's cards in a browser: numbers refused at the field with the typed text kept, full-width
digits read, a refused amount never counted, a stale browser copy shown next to newer server content, a
photo uploaded on one card right after typing in another, and the submit confirmation."""

import datetime
import io
import json
from decimal import Decimal

import pytest
import time_machine
from PIL import Image
from playwright.sync_api import expect

from dispatch import services
from dispatch.models import SHANGHAI, MonthlyReport
from tests.browser.conftest import login, open_card
from tests.dispatch.conftest import fill, plan, put_on_annual_list
from tests.factories import ProjectFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOW = datetime.datetime(2026, 11, 18, 9, 30, tzinfo=SHANGHAI)
URL = "/reports/2026/11/fill/"


def listed(unit, user, name):
    project = ProjectFactory(name=name, responsible_unit=unit, start_year=2026, end_year=2027)
    put_on_annual_list(project, user)
    plan(project, user)
    return project


def saved(project, user, **values):
    period = services.period_get_or_create(year=2026, month=11)
    report = services.report_get_or_create(period=period, project=project, acting_user=user)
    return fill(report, user, **values)


def field(project, name):
    return f"#card-{project.pk} [name=p{project.pk}-{name}]"


def status(project):
    return f"#card-{project.pk} .autosave-status"


@pytest.fixture
def travel():
    with time_machine.travel(NOW, tick=True):
        yield


@pytest.mark.usefixtures("travel")
def test_amounts_as_typed(page, reporter_a, drc, town_a):
    project = listed(town_a, drc, "梁家墩镇冷链物流园建设项目")
    saved(project, reporter_a, investment_this_month=Decimal("100"))
    login(page, "reporter_a")
    page.goto(URL)
    open_card(page, project)
    cumulative = page.inner_text(f"#card-{project.pk} [data-figure=cumulative]")
    amount = field(project, "investment_this_month")

    page.fill(amount, "12abc")
    error = page.wait_for_selector(f"#card-{project.pk} .field-error")
    assert error.inner_text() == "“12abc”不是数字。"
    # The message is at the field, the typed text stays there and in the browser copy.
    assert page.evaluate(f"document.querySelector('{amount}').nextElementSibling.classList.contains('field-error')")
    assert page.input_value(amount) == "12abc"
    assert "12abc" in page.evaluate("() => JSON.stringify(localStorage)")
    assert MonthlyReport.objects.get().investment_this_month == Decimal("100")

    page.fill(amount, "-100")
    # Locator waits, not wait_for_function: the Content-Security-Policy forbids evaluating strings.
    page.locator(f"#card-{project.pk} .field-error", has_text="不能为负数").wait_for()
    assert page.input_value(amount) == "-100"
    assert page.inner_text(f"#card-{project.pk} [data-figure=cumulative]") == cumulative
    assert "已保存的数字" in page.inner_text(f"#card-{project.pk} [data-saved-figures]")
    assert MonthlyReport.objects.get().investment_this_month == Decimal("100")

    page.fill(amount, "１２．５")
    page.wait_for_selector(f"{status(project)} [data-saved]")
    assert MonthlyReport.objects.get().investment_this_month == Decimal("12.5")
    assert page.locator(f"#card-{project.pk} .field-error").count() == 0
    assert page.inner_text(f"#card-{project.pk} [data-figure=this_month]") == "12.50"
    assert page.inner_text(f"#row-{project.pk} [data-row-figure=this_month]") == "12.50"
    assert page.input_value(amount) == "１２．５"  # the browser keeps exactly what was typed

    page.fill(amount, "１２，５")
    error = page.wait_for_selector(f"#card-{project.pk} .field-error")
    assert "“１２，５”不是数字" in error.inner_text()
    assert MonthlyReport.objects.get().investment_this_month == Decimal("12.5")


@pytest.mark.usefixtures("travel")
def test_a_stale_browser_copy_is_shown_next_to_newer_server_content(page, reporter_a, drc, town_a):
    project = listed(town_a, drc, "梁家墩镇冷链物流园建设项目")
    report = saved(project, reporter_a, progress_text="服务器上较新的内容")
    login(page, "reporter_a")
    page.goto(URL)
    # A copy typed in this browser over an older version of the report, never saved.
    key = page.get_attribute("#fill-month", "data-storage-key")
    values = {f"p{project.pk}-progress_text": "浏览器里较旧的内容"}
    copy = {f"card-{project.pk}": {"values": values, "version": str(report.version - 1), "at": 0}}
    page.evaluate(f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(copy))})")
    open_card(page, project)

    table = page.wait_for_selector(f"#card-{project.pk} .backup-values")
    text = table.inner_text()
    assert "服务器上的内容" in text and "此浏览器保留的内容" in text
    assert "服务器上较新的内容" in text and "浏览器里较旧的内容" in text
    # Nothing is replaced by itself.
    assert page.input_value(field(project, "progress_text")) == "服务器上较新的内容"
    assert MonthlyReport.objects.get().progress_text == "服务器上较新的内容"

    page.click(f"#card-{project.pk} [data-backup-use]")
    page.wait_for_selector(f"{status(project)} [data-saved]")
    assert MonthlyReport.objects.get().progress_text == "浏览器里较旧的内容"


@pytest.mark.usefixtures("travel")
def test_a_same_version_copy_is_restored_and_a_link_opens_its_card(page, reporter_a, drc, town_a):
    project = listed(town_a, drc, "梁家墩镇冷链物流园建设项目")
    report = saved(project, reporter_a, progress_text="服务器上的内容")
    login(page, "reporter_a")
    page.goto(URL)
    key = page.get_attribute("#fill-month", "data-storage-key")
    copy = {
        f"card-{project.pk}": {
            "values": {f"p{project.pk}-progress_text": "会话过期前输入的内容"},
            "version": str(report.version),
            "at": 0,
        }
    }
    page.evaluate(f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(copy))})")
    # A link to the report's card (as the report's page gives) opens it.
    page.goto(f"{URL}?show=all#report-{report.pk}")
    page.wait_for_selector(f"#card-{project.pk} h2")
    assert page.input_value(field(project, "progress_text")) == "会话过期前输入的内容"
    assert page.is_visible("#restore-note")


@pytest.mark.usefixtures("travel")
def test_photo_on_one_card_right_after_typing_in_another(page, reporter_a, drc, town_a, tmp_path):
    typed = listed(town_a, drc, "梁家墩镇冷链物流园建设项目")
    pictured = listed(town_a, drc, "梁家墩镇污水管网改造项目")
    saved(typed, reporter_a)
    report = saved(pictured, reporter_a)
    image = tmp_path / "site.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "olive").save(buffer, "JPEG")
    image.write_bytes(buffer.getvalue())

    login(page, "reporter_a")
    page.goto(URL)
    open_card(page, typed)
    open_card(page, pictured)
    page.fill(field(typed, "progress_text"), "拍照前刚输入的进展")
    card = f"#card-{pictured.pk}"
    page.set_input_files(f"{card} input[type=file]", str(image))
    page.fill(f"{card} [name=photo{report.pk}-caption]", "施工现场")
    page.click(f"{card} .photo-upload button")
    page.wait_for_selector(f"{card} .photos figure img")
    assert report.photos.count() == 1
    assert page.url.endswith(URL)  # no page jump

    page.reload()
    open_card(page, typed)
    assert page.input_value(field(typed, "progress_text")) == "拍照前刚输入的进展"
    assert MonthlyReport.objects.get(project=typed).progress_text == "拍照前刚输入的进展"

    # An upload the server refuses is answered at the card.
    bad = tmp_path / "not-a-photo.jpg"
    bad.write_bytes(b"%PDF-1.4 not an image")
    page.reload()
    open_card(page, pictured)
    page.set_input_files(f"{card} input[type=file]", str(bad))
    page.click(f"{card} .photo-upload button")
    error = page.wait_for_selector(f"{card} .photo-errors")
    assert "不是图片" in error.inner_text()
    page.click(f"{card} .photos figure button")
    expect(page.locator(f"{card} .photos figure")).to_have_count(0)
    assert report.photos.count() == 0


@pytest.mark.usefixtures("travel")
def test_submit_confirmation_lists_incomplete_cards(page, reporter_a, drc, town_a):
    complete = listed(town_a, drc, "梁家墩镇冷链物流园建设项目")
    lacking = listed(town_a, drc, "梁家墩镇污水管网改造项目")
    never = listed(town_a, drc, "梁家墩镇农贸市场提升项目")
    saved(complete, reporter_a)
    saved(lacking, reporter_a)
    login(page, "reporter_a")
    page.goto(URL)
    open_card(page, lacking)
    page.fill(field(lacking, "progress_text"), "")
    page.click("#submit-all")  # the pending save goes first
    page.wait_for_selector("#submit-confirm")
    assert "将报送 1 个项目。以下 2 个项目尚未填完，不会报送：" in page.inner_text("#submit-count")
    listing = page.inner_text("#submit-incomplete")
    assert lacking.name in listing and "形象进度" in listing
    assert never.name in listing and "尚未填报" in listing
    assert complete.name not in listing
    page.click("#submit-confirm-button")
    page.wait_for_selector("text=已报送 1 个项目的月度进展")
    statuses = dict(MonthlyReport.objects.values_list("project_id", "status"))
    assert statuses == {complete.pk: "submitted", lacking.pk: "draft"}


@pytest.mark.usefixtures("travel")
def test_keeping_the_server_content_forgets_the_stale_copy(page, reporter_a, drc, town_a):
    project = listed(town_a, drc, "梁家墩镇冷链物流园建设项目")
    report = saved(project, reporter_a, progress_text="服务器上较新的内容")
    login(page, "reporter_a")
    page.goto(URL)
    key = page.get_attribute("#fill-month", "data-storage-key")
    values = {f"p{project.pk}-progress_text": "浏览器里较旧的内容"}
    copy = {f"card-{project.pk}": {"values": values, "version": str(report.version - 1), "at": 0}}
    page.evaluate(f"localStorage.setItem({json.dumps(key)}, {json.dumps(json.dumps(copy))})")
    open_card(page, project)
    page.click(f"#card-{project.pk} [data-backup-discard]")
    assert page.is_hidden(f"#card-{project.pk} .card-backup")
    assert page.input_value(field(project, "progress_text")) == "服务器上较新的内容"
    assert "浏览器里较旧的内容" not in page.evaluate("() => JSON.stringify(localStorage)")
    page.reload()
    open_card(page, project)
    assert page.is_hidden(f"#card-{project.pk} .card-backup")
    assert MonthlyReport.objects.get().progress_text == "服务器上较新的内容"
