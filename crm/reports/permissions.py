"""Who sees the service reports: the API's action table and the pages share it."""

#: Company-wide figures: managers and admins.
VIEW_REPORTS = "crm.view_service_reports"
