"""Who holds which of the funnel's permissions (DESIGN.md's role table), by role."""

from portrait.roles import ADMINS, INTEGRATIONS, SALES, SALES_MANAGERS, TECHNICAL

# Evaluation runs, decisions, reason codes, plans and alerts, as managers keep them.
_FUNNEL_GUARDS = [
    "view_evaluationrun",
    "change_evaluationrun",
    "view_decision",
    "view_rejectionreason",
    "add_rejectionreason",
    "change_rejectionreason",
    "view_salesplan",
    "add_salesplan",
    "change_salesplan",
    "delete_salesplan",
    "view_alert",
    "change_alert",
]
_FUNNEL_MANAGEMENT = [
    "view_all_leads",
    "view_leadtransition",
    "reassign_lead",
    "merge_lead",
    "view_funnel_figures",
    *_FUNNEL_GUARDS,
]

GRANTS: dict[str, list[str]] = {
    ADMINS: [
        "view_lead",
        "import_lead",
        "change_lead",
        "view_leadimport",
        "view_all_leadimports",
        *_FUNNEL_MANAGEMENT,
    ],
    SALES: [
        "view_lead",
        "qualify_lead",
        "mark_lead_lost",
        "merge_lead",
        "view_decision",
        "view_rejectionreason",
        "view_salesplan",
    ],
    SALES_MANAGERS: [
        "view_lead",
        "qualify_lead",
        "mark_lead_lost",
        "change_lead",
        "import_lead",
        "view_leadimport",
        *_FUNNEL_MANAGEMENT,
    ],
    TECHNICAL: [
        "view_lead",
        "view_all_leads",
        "view_leadtransition",
        "view_evaluationrun",
        "view_decision",
        "view_rejectionreason",
    ],
    INTEGRATIONS: ["view_lead", "sync_lead", "view_decision", "view_leadimport"],
}
