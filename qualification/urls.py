"""Pages for people, mounted at the site root."""

from django.urls import path

from qualification import views

app_name = "qualification"

urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("queue/<int:pk>/", views.lead_detail, name="lead"),
    path("queue/<int:pk>/decision/", views.lead_decision, name="lead-decision"),
    path("queue/<int:pk>/lost/", views.lead_lost, name="lead-lost"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("imports/", views.lead_imports, name="imports"),
]
