"""Pages of stage 2, mounted at the site root."""

from django.urls import path

from crm.views import clients, feedback, negotiations, reports, rules

app_name = "crm"

urlpatterns = [
    path("clients/", clients.client_list, name="clients"),
    path("clients/<int:pk>/", clients.client_detail, name="client"),
    path("queue/<int:lead_pk>/sign/", clients.contract_sign_page, name="contract-sign"),
    path("feedback/", feedback.queue, name="feedback"),
    path("feedback/new/", feedback.feedback_new, name="feedback-new"),
    path(
        "feedback/<int:pk>/acknowledge/",
        feedback.feedback_acknowledge_page,
        name="feedback-acknowledge",
    ),
    path("feedback/<int:pk>/resolve/", feedback.feedback_resolve_page, name="feedback-resolve"),
    path("feedback/<int:pk>/negotiate/", feedback.feedback_negotiate, name="feedback-negotiate"),
    path("delays/new/", feedback.delay_new, name="delay-new"),
    path(
        "clients/<int:client_pk>/negotiate/",
        negotiations.negotiation_new,
        name="negotiation-new",
    ),
    path(
        "negotiations/<int:pk>/entries/",
        negotiations.negotiation_entry,
        name="negotiation-entry",
    ),
    path(
        "negotiations/<int:pk>/close/",
        negotiations.negotiation_close_page,
        name="negotiation-close",
    ),
    path("service-rules/", rules.page, name="service-rules"),
    path("service-rules/acknowledge/", rules.acknowledge, name="service-rules-acknowledge"),
    path("reports/", reports.reports, name="reports"),
]
