from django.contrib import admin
from django.urls import include, path

from accounts import views as account_views
from alliance_portal import views
from alliances import views as alliance_views
from alliances import views_office

urlpatterns = [
    path("", views.home, name="home"),
    path("dashboard/", account_views.dashboard, name="dashboard"),
    path("register/", account_views.register_assistant, name="register_assistant"),
    path("register/done/", account_views.register_assistant_done, name="register_assistant_done"),
    path("invitation/<str:token>/", account_views.accept_invitation, name="invitation_accept"),
    path("alliances/<int:pk>/", alliance_views.alliance_dashboard, name="alliance_dashboard"),
    path("alliances/<int:pk>/team/", alliance_views.alliance_team, name="alliance_team"),
    path("alliances/<int:pk>/team/co-pis/new/", alliance_views.co_pi_add, name="co_pi_add"),
    path(
        "alliances/<int:pk>/team/<int:role_pk>/approve/",
        alliance_views.role_approve,
        name="role_approve",
    ),
    path(
        "alliances/<int:pk>/team/<int:role_pk>/reject/",
        alliance_views.role_reject,
        name="role_reject",
    ),
    path(
        "alliances/<int:pk>/team/<int:role_pk>/capabilities/",
        alliance_views.role_capabilities,
        name="role_capabilities",
    ),
    path(
        "alliances/<int:pk>/team/<int:role_pk>/revoke/",
        alliance_views.role_revoke,
        name="role_revoke",
    ),
    path("office/alliances/", views_office.office_alliances, name="office_alliances"),
    path(
        "office/alliances/<int:pk>/handover/",
        views_office.office_handover,
        name="office_handover",
    ),
    path("office/pis/new/", views_office.office_pi_create, name="office_pi_create"),
    path("office/pis/import/", views_office.office_pi_import, name="office_pi_import"),
    path("office/pis/template.xlsx", views_office.office_pi_template, name="office_pi_template"),
    path("office/audit/", views_office.office_audit, name="office_audit"),
    path("office/background-work/", views.office_failed_work, name="office_failed_work"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
