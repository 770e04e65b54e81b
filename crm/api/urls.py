from django.urls import path
from rest_framework.routers import SimpleRouter

from crm.api.views import clients, contracts, feedback, negotiations, reports

router = SimpleRouter()
router.register("clients", clients.ClientViewSet, basename="client")
router.register("departments", clients.DepartmentViewSet, basename="department")
router.register("contracts", contracts.ContractViewSet, basename="contract")
router.register("negotiations", negotiations.NegotiationViewSet, basename="negotiation")
router.register("feedback", feedback.FeedbackViewSet, basename="feedback")
router.register("delays", feedback.DelayViewSet, basename="delay")
router.register("service-rules", feedback.ServiceRulesViewSet, basename="service-rules")

urlpatterns = [
    path(
        "reports/service/",
        reports.ServiceReportViewSet.as_view({"get": "service"}),
        name="report-service",
    ),
    path(
        "reports/ratings/",
        reports.ServiceReportViewSet.as_view({"get": "ratings"}),
        name="report-ratings",
    ),
    path(
        "reports/no-contact/",
        reports.ServiceReportViewSet.as_view({"get": "no_contact"}),
        name="report-no-contact",
    ),
    *router.urls,
]
