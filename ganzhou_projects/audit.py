"""Writes that keep the history straight: every save and delete records who made it."""


def save_with_history(obj, acting_user, **save_kwargs) -> None:
    """Save `obj`, recording `acting_user` as the author of the history row django-simple-history writes."""
    obj._history_user = acting_user
    obj.save(**save_kwargs)


def delete_with_history(obj, acting_user) -> None:
    obj._history_user = acting_user
    obj.delete()
