"""Bulk actions: the list posts a selection here; a confirmation page says what will happen per status; once
confirmed the job runs in the background (services/bulk_actions.py) and its progress page shows each
encoding's outcome as the calls complete, polling until the job is finished. Operators and admins only;
works without JavaScript (plain forms, and a refresh link on the progress page)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from encodings_app import access
from encodings_app.bulk_forms import BulkActionForm
from encodings_app.forms import list_querystring
from encodings_app.models import Role
from encodings_app.selectors.bulk import RECENT_JOBS, bulk_progress, recent_bulk_jobs
from encodings_app.services.action_registry import ACTIONS
from encodings_app.services.bulk_actions import BulkSelectionError, bulk_job_create, bulk_plan
from encodings_app.views.common import render_page

# The progress page polls this often while the job runs.
PROGRESS_POLL_SECONDS = 2


@require_POST
def bulk_confirm(request: HttpRequest, slug: str) -> HttpResponse:
    """Without ``confirm``: what the action would do, and the button that does it. With it: the job is
    created and the progress page follows."""
    viewer = access.organization_for(request.user, slug, needs=Role.OPERATOR)
    organization = viewer.organization
    form = BulkActionForm(request.POST)
    back = list_querystring(request.POST.get("back", ""))
    list_url = reverse("encoding-list", args=[slug])
    context = {"form": form, "back": back, "list_url": f"{list_url}?{back}" if back else list_url}
    problem = ""
    plan = None
    if form.is_valid():
        # Every bulk action needs at least an operator (checked above); the registry may ask for more.
        needs = ACTIONS[form.cleaned_data["action"]].needs
        if not access.has_role(viewer.role, needs):
            raise PermissionDenied(f"This needs the {Role(needs).label.lower()} role in {organization.name}.")
        try:
            plan = bulk_plan(
                organization=organization,
                action=form.cleaned_data["action"],
                arguments=form.arguments(),
                ids=None if form.matching else form.ids,
                filter_query=back if form.matching else None,
            )
        except BulkSelectionError as exc:
            problem = str(exc)
    else:
        problem = " ".join(str(error) for errors in form.errors.values() for error in errors)
    if plan is not None and request.POST.get("confirm") == "yes":
        job = bulk_job_create(organization=organization, user=request.user, plan=plan)
        return redirect("bulk-job", slug=slug, job_id=job.pk)
    context.update(plan=plan, problem=problem, ids=form.ids)
    return render_page(
        request, "encodings/bulk_confirm.html", context, viewer=viewer, status=200 if plan else 400
    )


@require_GET
def bulk_job(request: HttpRequest, slug: str, job_id: int) -> HttpResponse:
    viewer = access.organization_for(request.user, slug, needs=Role.OPERATOR)
    job = access.bulk_job_for(viewer.organization, job_id)
    progress = bulk_progress(job)
    context = {
        "progress": progress,
        "job": job,
        "poll_url": request.path,
        "progress_poll_seconds": PROGRESS_POLL_SECONDS,
    }
    return render_page(
        request,
        "encodings/bulk_progress.html",
        context,
        viewer=viewer,
        partial="encodings/_bulk_progress.html",
        stop_polling=job.finished,
    )


@require_GET
def bulk_jobs(request: HttpRequest, slug: str) -> HttpResponse:
    """The organization's recent bulk jobs, so that a job's progress is found again after leaving its page."""
    viewer = access.organization_for(request.user, slug, needs=Role.OPERATOR)
    context = {"summaries": recent_bulk_jobs(viewer.organization), "recent_jobs": RECENT_JOBS}
    return render_page(request, "encodings/bulk_jobs.html", context, viewer=viewer)
