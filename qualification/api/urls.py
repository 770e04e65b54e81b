from rest_framework.routers import SimpleRouter

from qualification.api import views

router = SimpleRouter()
# Lead sync and lists register here (qualification.api.views) ...
router.register("leads", views.LeadViewSet, basename="lead")
# ... and the funnel: decisions, plans, figures, alerts (qualification.api.funnel_views).

urlpatterns = router.urls
