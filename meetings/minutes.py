"""会议纪要 as a PDF, written once when the meeting ends (the record of attendees, items and decisions)."""

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from .models import Meeting
from .packet import render_pdf
from .selectors import agenda_of


def render_minutes(meeting: Meeting) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        html = render_to_string(
            "meetings/pdf/minutes.html",
            {
                "meeting": meeting,
                "attendees": meeting.attendees.order_by("full_name", "pk"),
                "units": meeting.attendee_units.order_by("sort_order", "name"),
                "agenda": agenda_of(meeting),
            },
        )
    pdf, _pages = render_pdf(html)
    return pdf
