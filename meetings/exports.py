"""The meeting packet as a background export: built by the Celery task of the export registry, with progress.

Each run makes a new PacketVersion (the job's file is a copy of its PDF for the one who asked).
"""

from django.urls import reverse

from exports.models import ExportJob
from exports.registry import Built, ExportKind, JobPage, Progress
from exports.services import export_start
from projects import access

from .models import Meeting

MEETING_PACKET = "meeting_packet"


def packet_export_start(*, user, meeting: Meeting) -> ExportJob:
    return export_start(kind=MEETING_PACKET, user=user, params={"meeting": meeting.pk})


def may_build_packet(user, params: dict) -> bool:
    return access.may_manage_meetings(user) and Meeting.objects.filter(pk=params.get("meeting")).exists()


def build_packet(params: dict, *, user, progress: Progress) -> Built:
    from .packet import packet_build

    meeting = Meeting.objects.get(pk=params["meeting"])
    version = packet_build(meeting=meeting, acting_user=user, progress=progress)
    return version.file_name, bytes(version.pdf)


def describe_packet(params: dict) -> JobPage:
    meeting = Meeting.objects.filter(pk=params.get("meeting")).first()
    if meeting is None:
        return JobPage()
    return JobPage(
        heading=meeting.title,
        note="生成后可在会议页面下载各版本。",
        back_url=reverse("meetings:meeting_detail", args=[meeting.pk]),
        back_label="返回会议",
    )


PACKET_EXPORT = ExportKind(
    key=MEETING_PACKET,
    label="调度会材料",
    build=build_packet,
    may_start=may_build_packet,
    describe=describe_packet,
)
