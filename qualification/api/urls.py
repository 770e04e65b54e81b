from django.urls import path
from rest_framework.routers import SimpleRouter

from qualification.api import funnel_views, views

router = SimpleRouter()
# Lead sync and lists register here (qualification.api.views) ...
router.register("leads", views.LeadViewSet, basename="lead")
# ... and the funnel: decisions, plans, figures, alerts (qualification.api.funnel_views).
router.register("evaluation-runs", funnel_views.EvaluationRunViewSet, basename="evaluation-run")
router.register("sales-plans", funnel_views.SalesPlanViewSet, basename="sales-plan")
router.register("alerts", funnel_views.AlertViewSet, basename="alert")
router.register(
    "rejection-reasons", funnel_views.RejectionReasonViewSet, basename="rejection-reason"
)
funnel_urlpatterns = [
    path("leads/<int:pk>/decision/", funnel_views.LeadDecisionView.as_view(), name="lead-decide"),
    path(
        "leads/<int:pk>/decisions/",
        funnel_views.LeadDecisionListView.as_view(),
        name="lead-decisions",
    ),
    path("funnel/figures/", funnel_views.FunnelFiguresView.as_view(), name="funnel-figures"),
]

urlpatterns = [*funnel_urlpatterns, *router.urls]
