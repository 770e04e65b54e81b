"""Requirements that the API's action tables and the pages share.

Which leads a user reaches is ``Lead.objects.for_user``'s job; these say who may act.
"""

from config.permissions import any_of, requires, user_meets

READ_LEADS = requires("qualification.view_lead")
QUALIFY = "qualification.qualify_lead"
VIEW_FIGURES = "qualification.view_funnel_figures"
#: Who sees funnel figures and alerts: managers and admins everyone's, salespeople their own.
FIGURES_READERS = any_of(requires(VIEW_FIGURES), requires(QUALIFY))


def user_can_see_figures(user) -> bool:
    return user_meets(user, FIGURES_READERS)
