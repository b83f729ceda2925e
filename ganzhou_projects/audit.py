"""The audit trail: every write records who made it, and why when the service knows.

django-simple-history is the store. Services save through ``save_with_history`` with the
acting user; writes no person makes (jobs, the side effects of an import, the demo) are
recorded under a named system actor (``system_actor``), never an empty user. On
PostgreSQL the history tables refuse UPDATE, DELETE and TRUNCATE (see
``ganzhou_projects.history_guard``).
"""

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

SYSTEM_USERNAME_PREFIX = "system:"

# key → the name shown in every history screen.
SYSTEM_ACTORS = {
    "jobs": _("System: scheduled jobs"),
    "import": _("System: import"),
    "notices": _("System: notifications"),
    "demo": _("System: demo data"),
    "migration": _("System: data migration"),
    "unknown": _("System: unattributed write"),
}


def system_actor(key: str, *, apps=None):
    """The user row standing for a system writer: inactive, without a password, one per key.

    A data migration passes its `apps` so the user is written through the historical model.
    """
    from django.contrib.auth.hashers import make_password

    if key not in SYSTEM_ACTORS:
        raise ValueError(f"unknown system actor {key!r}")
    if apps is None:
        from django.apps import apps
    User = apps.get_model(settings.AUTH_USER_MODEL)
    user = User.objects.filter(username=f"{SYSTEM_USERNAME_PREFIX}{key}").first()
    if user is None:
        with translation.override(settings.LANGUAGE_CODE):  # the stored name is what every history screen shows
            name = str(SYSTEM_ACTORS[key])
        user = User(
            username=f"{SYSTEM_USERNAME_PREFIX}{key}",
            full_name=name,
            is_active=False,
            password=make_password(None),  # unusable, as set_unusable_password() writes it
        )
        user._history_user = user
        try:
            with transaction.atomic():  # a savepoint: two jobs may create the actor at once
                user.save()
        except IntegrityError:
            user = User.objects.get(username=user.username)
    return user


def save_with_history(obj, acting_user, *, reason: str = "", **save_kwargs) -> None:
    """Save `obj`, recording `acting_user` (and `reason`) on the history row django-simple-history writes."""
    obj._history_user = acting_user
    if reason:
        obj._change_reason = reason
    obj.save(**save_kwargs)


def delete_with_history(obj, acting_user, *, reason: str = "") -> None:
    obj._history_user = acting_user
    if reason:
        obj._change_reason = reason
    obj.delete()


def attribute_unattributed(sender, history_instance, **kwargs) -> None:
    """pre_create_historical_record: a history row without a user is recorded under the unattributed actor.

    Services always name their actor; this catches a path that forgot, so the trail never
    holds an empty user (and a test lists every row recorded this way).
    """
    if history_instance.history_user_id is None:
        history_instance.history_user = system_actor("unknown")
