from crm.models.clients import Client, ClientContact, Department
from crm.models.contracts import Contract, ContractClause
from crm.models.negotiations import Negotiation, NegotiationEntry

__all__ = [
    "Client",
    "ClientContact",
    "Contract",
    "ContractClause",
    "Department",
    "Negotiation",
    "NegotiationEntry",
]
