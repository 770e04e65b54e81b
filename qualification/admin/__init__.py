from qualification.admin import funnel, imports, leads  # noqa: F401
