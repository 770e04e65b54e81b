"""Who holds which of stage 2's permissions (DESIGN.md's role table), by role."""

from portrait.roles import ADMINS, SALES, SALES_MANAGERS, TECHNICAL

_READ = [
    "view_client",
    "view_clientcontact",
    "view_department",
    "view_contract",
    "view_contractclause",
    "view_negotiation",
    "view_negotiationentry",
]
_NEGOTIATE = ["add_negotiation", "change_negotiation", "add_negotiationentry"]

GRANTS: dict[str, list[str]] = {
    # Own clients: their leads' contracts, negotiations and contacts.
    SALES: [*_READ, "add_contract", *_NEGOTIATE, "change_client", "add_clientcontact"],
    SALES_MANAGERS: [
        *_READ,
        "view_all_clients",
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
        "view_all_clients",
        "add_client",
        "change_client",
        "add_clientcontact",
        "change_clientcontact",
        "delete_clientcontact",
        "add_department",
        "change_department",
    ],
    TECHNICAL: [*_READ, "view_all_clients"],
}
