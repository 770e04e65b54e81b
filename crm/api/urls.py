from rest_framework.routers import SimpleRouter

from crm.api.views import clients, contracts, negotiations

router = SimpleRouter()
router.register("clients", clients.ClientViewSet, basename="client")
router.register("departments", clients.DepartmentViewSet, basename="department")
router.register("contracts", contracts.ContractViewSet, basename="contract")
router.register("negotiations", negotiations.NegotiationViewSet, basename="negotiation")

urlpatterns = router.urls
