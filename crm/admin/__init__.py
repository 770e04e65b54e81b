from crm.admin import clients, contracts, employees, negotiations, webhooks  # noqa: F401
