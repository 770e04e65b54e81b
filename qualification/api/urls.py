from rest_framework.routers import SimpleRouter

router = SimpleRouter()
# Lead sync and lists register here (qualification.api.views) ...
# ... and the funnel: decisions, plans, figures, alerts (qualification.api.funnel_views).

urlpatterns = router.urls
