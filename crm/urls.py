"""Pages of stage 2, mounted at the site root."""

from django.urls import path

from crm import views

app_name = "crm"

urlpatterns = [
    path("clients/", views.client_list, name="clients"),
    path("clients/<int:pk>/", views.client_detail, name="client"),
    path("queue/<int:lead_pk>/sign/", views.contract_sign_page, name="contract-sign"),
]
