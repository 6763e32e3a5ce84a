"""The alliance's public profile: the team proposes, the office publishes; the public
directory shows what was published."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import office_view, require
from alliances import permissions, selectors, services
from alliances.models import Alliance, Field, ProfileRevision, RevisionStatus, Service
from alliances.profile_forms import ProfileForm
from core import lists
from core.http import int_param, paginate

PUBLIC = selectors.PUBLIC
public_alliances = selectors.public_alliances


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request, pk):
    alliance = get_object_or_404(Alliance.objects.select_related("field"), pk=pk)
    require(permissions.can_view_alliance(request.user, alliance))
    require(permissions.can_manage_team(request.user, alliance))
    pending = alliance.revisions.filter(status=RevisionStatus.PENDING).first()
    base = Alliance.objects.get(pk=pk)  # the form may change its instance; keep `alliance`
    if pending and request.method == "GET":
        for name, value in pending.data.items():
            setattr(base, "field_id" if name == "field" else name, value)
    form = ProfileForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        instance=base,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_propose(
                alliance=alliance,
                by=request.user,
                data=form.proposed_data(),
                banner=form.cleaned_data.get("banner_upload"),
            )
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _(
                    "Your changes wait for the programme office; the published profile stays "
                    "public until they are approved."
                ),
            )
            return redirect("alliance_dashboard", pk=alliance.pk)
    last = alliance.revisions.exclude(status=RevisionStatus.PENDING).first()
    return render(
        request,
        "alliances/profile_edit.html",
        {"alliance": alliance, "form": form, "pending": pending, "last": last},
    )


@office_view
def office_profiles(request):
    revisions = (
        ProfileRevision.objects.filter(status=RevisionStatus.PENDING)
        .select_related("alliance", "submitted_by")
        .order_by("submitted_at")
    )
    return render(request, "office/profiles.html", {"page": paginate(request, revisions)})


@office_view
@require_http_methods(["GET", "POST"])
def office_profile_review(request, rid):
    revision = get_object_or_404(
        ProfileRevision.objects.select_related("alliance__field", "submitted_by"), pk=rid
    )
    if request.method == "POST":
        try:
            services.profile_decide(
                revision=revision,
                by=request.user,
                approve="approve" in request.POST,
                reason=request.POST.get("reason", ""),
            )
        except services.TeamError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Decision recorded."))
            return redirect("office_profiles")
    current = services.profile_data(revision.alliance)
    fields = {f.pk: f for f in Field.objects.all()}
    labels = {f.name: f.verbose_name for f in Alliance._meta.fields}
    labels["services"] = Alliance._meta.get_field("services").verbose_name
    service_labels = dict(Service.choices)

    def show(name, value):
        if name == "field":
            return str(fields.get(value, value))
        if name == "services":
            return lists.join(str(service_labels.get(v, v)) for v in value or [])
        return value

    changes = [
        {
            "label": labels.get(name, name),
            "before": show(name, current.get(name)),
            "after": show(name, value),
            "changed": current.get(name) != value,
        }
        for name, value in revision.data.items()
    ]
    return render(
        request,
        "office/profile_review.html",
        {"revision": revision, "changes": changes},
    )


# --- the public directory ------------------------------------------------------------------


def directory(request):
    """Alliances by field; search by name, core technology, keywords or institution."""
    query = request.GET.get("q", "").strip()[:100]
    field = request.GET.get("field", "")
    qs = public_alliances().select_related("field").order_by("field__order", "name_zh")
    if query:
        qs = qs.filter(
            Q(name_zh__icontains=query)
            | Q(name_en__icontains=query)
            | Q(core_technologies__icontains=query)
            | Q(keywords__icontains=query)
            | Q(institution__icontains=query)
        )
    if int_param(field):
        qs = qs.filter(field_id=int_param(field))
    return render(
        request,
        "public/directory.html",
        {
            "page": paginate(request, qs),
            "fields": Field.objects.order_by("order"),
            "query": query,
            "field": field,
        },
    )


def public_alliance(request, code):
    alliance = get_object_or_404(public_alliances().select_related("field"), code=code)
    return render(request, "public/alliance.html", {"alliance": alliance})


IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "webp": "image/webp"}


def _image_response(file, *, public: bool):
    """Serve a stored banner with a content type from our own list, never from the name."""
    extension = file.name.rsplit(".", 1)[-1].lower()
    if extension not in IMAGE_TYPES:
        raise Http404
    try:
        handle = file.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    response = FileResponse(handle, content_type=IMAGE_TYPES[extension])
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def public_banner(request, code):
    alliance = get_object_or_404(public_alliances(), code=code)
    if not alliance.banner:
        raise Http404
    return _image_response(alliance.banner, public=True)


@office_view
def office_profile_banner(request, rid):
    """The proposed banner, for the office to look at before publishing it."""
    revision = get_object_or_404(ProfileRevision, pk=rid)
    if not revision.banner:
        raise Http404
    return _image_response(revision.banner, public=False)
