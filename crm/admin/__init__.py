from crm.admin import clients, contracts, negotiations  # noqa: F401
