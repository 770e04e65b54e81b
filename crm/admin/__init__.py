from crm.admin import (  # noqa: F401
    clients,
    contracts,
    employees,
    feedback,
    negotiations,
    rules,
    webhooks,
)
