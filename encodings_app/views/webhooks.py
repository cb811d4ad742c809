"""The endpoint Bitmovin posts webhook notifications to (no login: the signature is the authentication).

Every delivery that does not verify, including one for an organization that does not exist, gets the same
401 with the same body and headers, so the endpoint does not tell strangers which organizations exist.
"""

import logging
import math

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from encodings_app.services.audit import client_ip
from encodings_app.services.webhooks import (
    SIGNATURE_HEADER,
    VERIFIED_VERDICTS,
    Verdict,
    webhook_receive,
    webhook_source_throttle,
)

logger = logging.getLogger(__name__)

# Notifications are small JSON documents; anything far larger is not one of them.
MAX_BODY_BYTES = 256 * 1024


@csrf_exempt
@login_not_required
@require_POST
def bitmovin_webhook(request: HttpRequest, organization_slug: str) -> HttpResponse:
    remote_addr = client_ip(request)
    spent = webhook_source_throttle(remote_addr=remote_addr)
    if spent.over_limit:
        response = JsonResponse(
            {"status": "rejected", "reason": "too many deliveries from this address; try again later"},
            status=429,
        )
        response["Retry-After"] = str(math.ceil(spent.retry_after))
        return response
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return JsonResponse({"status": "rejected", "reason": "body too large"}, status=413)
    try:
        delivery = webhook_receive(
            organization_slug=organization_slug,
            body=request.body,
            signature=request.headers.get(SIGNATURE_HEADER),
            remote_addr=remote_addr,
        )
    except Exception:
        # Django's debug error page lists every frame's locals, the signing secret among them, and this
        # endpoint answers anyone: a failure here is logged (a traceback, no locals) and answered plainly.
        logger.exception("a webhook delivery could not be recorded")
        return JsonResponse(
            {"status": "error", "reason": "the delivery could not be recorded; try again later"}, status=500
        )
    if delivery.verdict not in VERIFIED_VERDICTS:
        response = JsonResponse({"status": "rejected", "reason": "the signature does not verify"}, status=401)
        response["WWW-Authenticate"] = f'HMAC-SHA512 header="{SIGNATURE_HEADER}"'
        return response
    if delivery.verdict == Verdict.MALFORMED:
        return JsonResponse(
            {"status": "rejected", "reason": "not a notification about an encoding"}, status=400
        )
    return JsonResponse({"status": "accepted", "delivery": delivery.pk}, status=200)
