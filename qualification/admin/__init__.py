from qualification.admin import funnel, leads  # noqa: F401
