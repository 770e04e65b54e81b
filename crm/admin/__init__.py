from crm.admin import clients, contracts, employees, negotiations  # noqa: F401
