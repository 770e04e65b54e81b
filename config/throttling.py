"""How often a client may call the API: per account, per address when anonymous, per scope.

- ``user``: every call of a signed-in account, whether by its token or its session (DRF's
  token is one per account, so this is also the rate of a token).
- ``anon``: calls without valid credentials, per client address. Every call is counted
  before it may be refused (``ThrottleBeforeRefusalMixin``), so guessing tokens is
  throttled too.
- ``bulk``: the bulk endpoints, on top of ``user``; a view opts in with
  ``throttle_scope = "bulk"`` (the bulk upsert, and the import jobs as they come).

Rates come from ``REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"]``, set from the environment; a
rate of ``None`` switches that throttle off (the test settings do). An answer over the
rate is a 429 in the API's error shape with ``Retry-After``. Counts live in the default
cache: shared by every process only when it is Redis. While the cache is unreachable
calls go through uncounted: a Redis outage must not stop the API.
"""

import logging

from django.core.exceptions import ImproperlyConfigured
from rest_framework import exceptions, throttling
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


class _RateFromSettings:
    # DRF copies the rates onto the class when it is imported; read them per request
    # instead, so a test may set its own.
    def get_rate(self):
        rates = api_settings.DEFAULT_THROTTLE_RATES
        if self.scope not in rates:
            raise ImproperlyConfigured(f"No throttle rate for scope {self.scope!r}.")
        return rates[self.scope]

    def allow_request(self, request, view):
        try:
            return super().allow_request(request, view)
        except ImproperlyConfigured:
            raise
        except Exception:
            logger.warning("Throttle counts are unreachable: the call is let through.")
            return True


class AnonymousRateThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    """Calls without valid credentials, per client address."""


class UserRateThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Calls per signed-in account (token or session)."""


class ScopedRateThrottle(_RateFromSettings, throttling.ScopedRateThrottle):
    """Calls of the views that declare a ``throttle_scope``, per account."""


class ThrottleBeforeRefusalMixin:
    """For API views: every call counts, refused ones too.

    DRF checks throttles after authentication and permissions, so a call refused there
    (a bad token, no credentials, a role without the permission) was never counted, and
    guessing tokens was free. Here the throttles come first, once per call.
    """

    _throttles_checked = False

    def perform_authentication(self, request):
        try:
            super().perform_authentication(request)
        except exceptions.AuthenticationFailed:
            self.check_throttles(request)
            raise

    def check_permissions(self, request):
        self.check_throttles(request)
        super().check_permissions(request)

    def check_throttles(self, request):
        if self._throttles_checked:
            return
        self._throttles_checked = True
        super().check_throttles(request)
