"""The office's firms (facts and duplicates) and the programme-wide workbook."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.permissions import office_view
from core.http import paginate
from members import services
from members.forms import FirmFactsForm, FirmMergeForm
from members.models import Firm


@office_view(viewers=True)
def office_firms(request):
    query = request.GET.get("q", "").strip()[:100]
    qs = Firm.objects.filter(merged_into=None).annotate(n=Count("memberships")).order_by("name")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(ubn=query))
    return render(request, "office/firms.html", {"page": paginate(request, qs), "query": query})


@office_view
@require_http_methods(["GET", "POST"])
def office_firm_edit(request, fid):
    firm = get_object_or_404(Firm, pk=fid, merged_into=None)
    form = FirmFactsForm(request.POST if request.method == "POST" else None, instance=firm)
    if request.method == "POST" and form.is_valid():
        services.firm_save(firm=form.instance, by=request.user)
        messages.success(request, _("The firm is saved; its members' verdicts are recomputed."))
        return redirect("office_firms")
    merge = FirmMergeForm()
    return render(request, "office/firm_form.html", {"firm": firm, "form": form, "merge": merge})


@office_view
@require_http_methods(["POST"])
def office_firm_merge(request, fid):
    duplicate = get_object_or_404(Firm, pk=fid, merged_into=None)
    merge = FirmMergeForm(request.POST)
    if merge.is_valid():
        try:
            services.firm_merge(
                duplicate=duplicate,
                survivor=merge.cleaned_data["survivor"],
                by=request.user,
                reason=merge.cleaned_data["reason"],
            )
        except services.MembershipError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The firms are merged."))
            return redirect("office_firms")
    else:
        for errors in merge.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("office_firm_edit", fid=duplicate.pk)
