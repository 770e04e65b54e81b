"""The reports' chart helpers for templates: ``{{ percent|tone }}``."""

from django import template

from crm.reports import charts

register = template.Library()


@register.filter
def tone(percent) -> str:
    """``good``, ``fair``, ``bad`` or ``none``: the colour of a share of deadlines met."""
    return charts.tone(percent)
