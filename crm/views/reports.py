"""The service reports page: deadlines met and waiting times, ratings, clients out of touch.

Thin: the figures come from ``crm.reports.selectors`` (three queries), the charts'
geometry from ``crm.reports.charts``.
"""

from django.contrib.auth.decorators import login_required, permission_required
from django.shortcuts import render

from crm.forms import ReportForm
from crm.reports import charts, selectors
from crm.reports.permissions import VIEW_REPORTS

OUT_OF_TOUCH_SHOWN = 20


@login_required
@permission_required(VIEW_REPORTS, raise_exception=True)
def reports(request):
    form = ReportForm(request.GET or None)
    chosen = form.choices()
    user = request.user
    service = selectors.service_report(user=user, by=chosen["by"], months=chosen["months"])
    ratings = selectors.rating_report(user=user, by=chosen["rating_by"], months=chosen["months"])
    out_of_touch = selectors.out_of_touch_rows(selectors.clients_out_of_touch_for_user(user))
    context = {
        "form": form,
        "chosen": chosen,
        "service": service,
        "columns": charts.month_columns(service.months, service.overall.cells),
        "overall": service.overall.total,
        "ratings": ratings,
        "rating_rows": [
            {"row": row, "spark": charts.rating_sparkline(row)}
            for row in [ratings.overall, *ratings.rows]
        ],
        "out_of_touch": out_of_touch[:OUT_OF_TOUCH_SHOWN],
        "out_of_touch_count": len(out_of_touch),
        "no_contact_days": selectors.no_contact_days(),
        "good": charts.GOOD,
        "target_y": 100 - charts.GOOD,
        "by_label": dict(form.fields["by"].choices)[chosen["by"]],
        "rating_by_label": dict(form.fields["rating_by"].choices)[chosen["rating_by"]],
    }
    return render(request, "crm/reports.html", context)
