from crm.admin import clients, contracts, feedback, negotiations, rules  # noqa: F401
