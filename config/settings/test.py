"""Tests: fast hashing, in-memory mail, eager Celery unless a test starts a worker."""

import os
import tempfile

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Integration tests that need the real worker switch this off themselves.
CELERY_TASK_ALWAYS_EAGER = True
LANGUAGE_CODE = "en"
# Tests make many requests: throttles are off here, and on in the tests of throttling.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": None, "user": None, "bulk": None},
}
# One process, whatever the environment says: idempotency keys and counts stay per run.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The tests of alerts check them when they mean to; the ones of the check on change turn it on.
PORTRAIT_CRM = {**PORTRAIT_CRM, "ALERTS_CHECK_ON_CHANGE": False}  # noqa: F405
# Uploaded import files go to a directory of this run, not the checkout's var/.
LEAD_IMPORTS_DIR = os.environ.get("LEAD_IMPORTS_DIR") or tempfile.mkdtemp(
    prefix="portrait-imports-"
)
