"""Settings for pytest: the app's settings in developer mode (pytest-django still runs each test with
DEBUG off), with the demo app the tests use. Set before the settings are read, so subprocesses that the
tests start (manage.py, Celery workers) inherit the same environment."""

import os

os.environ.setdefault("DEBUG", "1")
os.environ.setdefault("ENABLE_DEMO", "1")

from .settings import *  # noqa: F403
