"""The project's URLs plus ``naive/leads/``: what a Django team would write first."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from bench.naive_api import NaiveLeadViewSet

router = SimpleRouter()
router.register("naive/leads", NaiveLeadViewSet, basename="naive-lead")

urlpatterns = [path("", include("config.urls")), *router.urls]
