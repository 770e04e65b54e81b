from rest_framework.routers import SimpleRouter

from portrait.api.views import PortraitViewSet

router = SimpleRouter()
router.register("portraits", PortraitViewSet, basename="portrait")

urlpatterns = router.urls
