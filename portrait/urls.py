"""The portrait's pages for people, mounted at ``/portrait/``."""

from django.urls import path

from portrait import views

app_name = "portrait"

urlpatterns = [
    path("", views.page, name="page"),
    path("acknowledge/", views.acknowledge, name="acknowledge"),
    path("versions/<int:version>/changes/", views.changes, name="changes"),
]
