import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ganzhou_projects.settings")

app = Celery("ganzhou_projects")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_finalize.connect
def schedule_jobs(sender, **kwargs):
    """Beat runs every registered job daily at its time (Asia/Shanghai), and retries unsent email."""
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
