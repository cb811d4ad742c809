"""The endpoint Bitmovin posts webhook notifications to (no login: the signature is the authentication)."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from encodings_app.models import Organization, WebhookDelivery
from encodings_app.services.webhooks import SIGNATURE_HEADER, webhook_receive

# Notifications are small JSON documents; anything far larger is not one of them.
MAX_BODY_BYTES = 256 * 1024


@csrf_exempt
@login_not_required
@require_POST
def bitmovin_webhook(request: HttpRequest, organization_slug: str) -> HttpResponse:
    organization = get_object_or_404(Organization, slug=organization_slug)
    length = request.META.get("CONTENT_LENGTH") or "0"
    if not length.isdigit() or int(length) > MAX_BODY_BYTES:
        return JsonResponse({"status": "rejected", "reason": "body too large"}, status=413)
    delivery = webhook_receive(
        organization=organization,
        body=request.body,
        signature=request.headers.get(SIGNATURE_HEADER),
        remote_addr=request.META.get("REMOTE_ADDR"),
    )
    if delivery.verdict in (WebhookDelivery.Verdict.INVALID, WebhookDelivery.Verdict.MISSING):
        return JsonResponse({"status": "rejected", "reason": "signature"}, status=401)
    if delivery.verdict == WebhookDelivery.Verdict.MALFORMED:
        return JsonResponse(
            {"status": "rejected", "reason": "not a notification about an encoding"}, status=400
        )
    return JsonResponse({"status": "accepted", "delivery": delivery.pk}, status=200)
