"""Users see Simplified Chinese: every message has a translation, and the committed .mo matches the .po."""

import gettext
from pathlib import Path

import polib
from django.utils import translation

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def test_every_message_is_translated():
    po = polib.pofile(str(LOCALE / "django.po"))
    untranslated = [entry.msgid for entry in po.untranslated_entries()]
    fuzzy = [entry.msgid for entry in po.fuzzy_entries()]
    assert not untranslated, untranslated
    assert not fuzzy, fuzzy


def test_compiled_catalogue_matches_the_po_file():
    po = polib.pofile(str(LOCALE / "django.po"))
    with open(LOCALE / "django.mo", "rb") as handle:
        catalogue = gettext.GNUTranslations(handle)
    for entry in po.translated_entries():
        if entry.msgid_plural:
            assert catalogue.ngettext(entry.msgid, entry.msgid_plural, 1) == entry.msgstr_plural[0]
        elif entry.msgctxt:
            assert catalogue.pgettext(entry.msgctxt, entry.msgid) == entry.msgstr, entry.msgid
        else:
            assert catalogue.gettext(entry.msgid) == entry.msgstr, entry.msgid


def test_default_language_is_simplified_chinese(settings):
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
    with translation.override("zh-hans"):
        assert translation.gettext("Log out") == "退出"


def test_pages_are_chinese_whatever_the_browser_asks(client, drc):
    client.force_login(drc)
    body = client.get("/projects/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert "项目库" in body and "Project inventory" not in body
