from qualification.models.leads import Lead

__all__ = ["Lead"]
