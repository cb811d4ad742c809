from django.conf import settings
from django.http import HttpRequest

from encodings_app.services.schedule import schedule_state


def product(request: HttpRequest) -> dict:
    return {"product_name": settings.PRODUCT_NAME}


def schedule(request: HttpRequest) -> dict:
    """Whether scheduled work (syncs, pruning) stopped: every signed-in page says so, one cache read."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"schedule": schedule_state()}
