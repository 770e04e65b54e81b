"""Who holds which of stage 2's permissions (DESIGN.md's role table), by role."""

from portrait.roles import ADMINS, INTEGRATIONS, SALES, SALES_MANAGERS, TECHNICAL

_READ = [
    "view_client",
    "view_clientcontact",
    "view_department",
    "view_contract",
    "view_contractclause",
    "view_negotiation",
    "view_negotiationentry",
    "view_feedback",
    "view_delay",
    "view_escalation",
]
_NEGOTIATE = ["add_negotiation", "change_negotiation", "add_negotiationentry"]
# Every department serves the client (article 001): every employee records and answers.
_LISTEN = ["add_feedback", "change_feedback", "add_delay"]
_READ_RULES = ["view_servicerules", "view_servicetarget"]
_ACKNOWLEDGE_RULES = [*_READ_RULES, "acknowledge_servicerules"]
# Deadlines met, waiting times, ratings and clients out of touch, company-wide.
_REPORTS = ["view_service_reports", "view_contactdigest"]
_WRITE_RULES = [
    "add_servicerules",
    "change_servicerules",
    "delete_servicerules",
    "publish_servicerules",
    "add_servicetarget",
    "change_servicetarget",
    "delete_servicetarget",
    "view_servicerulesacknowledgement",
]

GRANTS: dict[str, list[str]] = {
    # Own clients: their leads' contracts, negotiations and contacts.
    SALES: [
        *_READ,
        *_ACKNOWLEDGE_RULES,
        *_LISTEN,
        "add_contract",
        *_NEGOTIATE,
        "change_client",
        "add_clientcontact",
    ],
    SALES_MANAGERS: [
        *_READ,
        *_ACKNOWLEDGE_RULES,
        *_LISTEN,
        "view_all_clients",
        *_REPORTS,
        "add_contract",
        "sign_any_contract",
        *_NEGOTIATE,
        "add_client",
        "change_client",
        "add_clientcontact",
        "change_clientcontact",
        "delete_clientcontact",
    ],
    ADMINS: [
        *_READ,
        *_ACKNOWLEDGE_RULES,
        *_WRITE_RULES,
        *_LISTEN,
        *_REPORTS,
        "view_all_clients",
        "add_client",
        "change_client",
        "add_clientcontact",
        "change_clientcontact",
        "delete_clientcontact",
        "add_department",
        "change_department",
        # Employees' languages: the e-mails each one receives are written in theirs.
        "view_employeeprofile",
        "add_employeeprofile",
        "change_employeeprofile",
        # Webhooks: endpoints (their secrets included) and the record of every delivery.
        "view_webhookendpoint",
        "add_webhookendpoint",
        "change_webhookendpoint",
        "delete_webhookendpoint",
        "view_webhookdelivery",
        "view_webhookattempt",
    ],
    TECHNICAL: [*_READ, *_ACKNOWLEDGE_RULES, *_LISTEN, "view_all_clients"],
    # Integrations read the rules and push the feedback of their sources.
    INTEGRATIONS: [*_READ_RULES, "add_feedback"],
}
