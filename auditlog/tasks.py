"""The chain's verification in the worker: it reads every history row, too long for a request at scale."""

from celery import shared_task


def verify_and_keep():
    """Verify the chain and keep the result for the auditors' page (the cache: a result, not a record)."""
    from django.core.cache import cache
    from django.utils import timezone

    from .chain import verify_chain
    from .views import VERIFICATION_CACHE_KEY

    result = verify_chain()
    kept = {
        "intact": result.intact,
        "entries": result.entries,
        "head": f"{result.entries}:{result.head_link}",
        "message": result.finding.message if result.finding else "",
        "at": timezone.localtime(),
    }
    cache.set(VERIFICATION_CACHE_KEY, kept, timeout=None)
    return kept


@shared_task(ignore_result=True)
def verify_audit_chain() -> None:
    verify_and_keep()
