from django.contrib import admin
from django.urls import include, path

from alliance_portal import views

urlpatterns = [
    path("", views.home, name="home"),
    path("office/background-work/", views.office_failed_work, name="office_failed_work"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
