"""Each log line is written once: the root console handler and Django's own handlers never both take a record."""

import logging

import pytest
from django.conf import settings
from django.utils.log import configure_logging


def _own_handlers() -> list[logging.Handler]:
    """The handlers the settings configured (pytest's capture handlers left out)."""
    found = []
    for name in ("", "django", "django.request", "django.server", "django.utils.autoreload"):
        for handler in logging.getLogger(name).handlers:
            if not type(handler).__module__.startswith("_pytest") and handler not in found:
                found.append(handler)
    return found


@pytest.fixture
def emissions(monkeypatch, settings_debug):
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    written = []
    for handler in _own_handlers():
        monkeypatch.setattr(handler, "emit", lambda record, _h=handler: written.append((_h, record.getMessage())))
    yield written
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)


@pytest.fixture
def settings_debug(settings):
    settings.DEBUG = True  # Django's "console" handler only writes when DEBUG, as under runserver
    return settings


@pytest.mark.parametrize("logger", ["django.request", "django.server", "django.utils.autoreload", "dispatch"])
def test_a_record_is_written_once(emissions, logger):
    logging.getLogger(logger).warning("Not Found: /nowhere")

    assert [message for _handler, message in emissions] == ["Not Found: /nowhere"]


def test_an_error_is_printed_once_and_mailed_to_admins_when_not_debug(settings, monkeypatch):
    settings.DEBUG = False
    configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)
    written = []
    for handler in _own_handlers():
        monkeypatch.setattr(handler, "emit", lambda record, _h=handler: written.append(type(_h).__name__))
    try:
        logging.getLogger("django.request").error("Internal Server Error: /x")
    finally:
        configure_logging(settings.LOGGING_CONFIG, settings.LOGGING)

    assert sorted(written) == ["AdminEmailHandler", "StreamHandler"]
