from django.urls import path
from rest_framework.routers import SimpleRouter

from qualification.api.views import funnel, imports, leads

router = SimpleRouter()
router.register("leads", leads.LeadViewSet, basename="lead")
router.register("lead-imports", imports.LeadImportViewSet, basename="lead-import")
router.register("evaluation-runs", funnel.EvaluationRunViewSet, basename="evaluation-run")
router.register("sales-plans", funnel.SalesPlanViewSet, basename="sales-plan")
router.register("alerts", funnel.AlertViewSet, basename="alert")
router.register("rejection-reasons", funnel.RejectionReasonViewSet, basename="rejection-reason")

urlpatterns = [
    path(
        "funnel/figures/",
        funnel.FunnelFiguresViewSet.as_view({"get": "figures"}),
        name="funnel-figures",
    ),
    path(
        "funnel/conversion/",
        funnel.FunnelFiguresViewSet.as_view({"get": "conversion"}),
        name="funnel-conversion",
    ),
    path(
        "funnel/coverage/",
        funnel.FunnelFiguresViewSet.as_view({"get": "coverage"}),
        name="funnel-coverage",
    ),
    *router.urls,
]
