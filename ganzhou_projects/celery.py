import os

from celery import Celery
from celery.schedules import crontab
from celery.signals import beat_init, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganzhou_projects.settings")

app = Celery("ganzhou_projects")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_init.connect
@beat_init.connect
def refuse_a_weak_secret_key(**kwargs):
    """The worker and beat, like gunicorn, do not start in production without a real SECRET_KEY.

    Celery logs and swallows a handler's exceptions; SystemExit stops the process with the message.
    """
    from django.core.exceptions import ImproperlyConfigured

    from ganzhou_projects.startup import require_real_secret_key

    try:
        require_real_secret_key()
    except ImproperlyConfigured as error:
        raise SystemExit(f"ImproperlyConfigured: {error}") from error


@app.on_after_finalize.connect
def schedule_jobs(sender, **kwargs):
    """Beat runs every registered job daily at its time (Asia/Shanghai), retries unsent email and removes
    old export files."""
    from django.conf import settings

    from notifications.jobs import load_jobs

    every = settings.BEAT_EVERY_SECONDS
    for job in load_jobs().values():
        schedule = every or crontab(hour=job.hour, minute=job.minute)
        sender.add_periodic_task(
            schedule, sender.signature("notifications.tasks.run_scheduled_job", args=[job.name]), name=f"job:{job.name}"
        )
    sender.add_periodic_task(
        every or settings.EMAIL_RETRY_SECONDS,
        sender.signature("notifications.tasks.send_notice_emails"),
        name="send pending emails",
    )
    # Old export files are removed daily at 03:20 (exports sit below the notifications job registry).
    sender.add_periodic_task(
        every or crontab(hour=3, minute=20),
        sender.signature("exports.tasks.remove_old_export_files"),
        name="remove old export files",
    )
