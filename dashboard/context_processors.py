from django.conf import settings
from django.http import HttpRequest

from encodings_app.services.liveness import liveness_for_pages


def product(request: HttpRequest) -> dict:
    return {"product_name": settings.PRODUCT_NAME}


def liveness(request: HttpRequest) -> dict:
    """Whether beat, a worker or scheduled work (syncs, pruning) stopped: every signed-in page says so, one
    or two cache reads."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"liveness": liveness_for_pages()}
