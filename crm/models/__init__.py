from crm.models.clients import Client, ClientContact, Department
from crm.models.contracts import Contract, ContractClause
from crm.models.employees import EmployeeProfile
from crm.models.feedback import Delay, Escalation, Feedback
from crm.models.negotiations import Negotiation, NegotiationEntry
from crm.models.reports import ContactDigest
from crm.models.rules import ServiceRules, ServiceRulesAcknowledgement, ServiceTarget
from crm.models.webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint

__all__ = [
    "Client",
    "ClientContact",
    "ContactDigest",
    "Contract",
    "ContractClause",
    "Delay",
    "Department",
    "EmployeeProfile",
    "Escalation",
    "Feedback",
    "Negotiation",
    "NegotiationEntry",
    "ServiceRules",
    "ServiceRulesAcknowledgement",
    "ServiceTarget",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookEndpoint",
]
