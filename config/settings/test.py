"""Tests: fast hashing, in-memory mail, eager Celery unless a test starts a worker."""

from config.settings.base import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Integration tests that need the real worker switch this off themselves.
CELERY_TASK_ALWAYS_EAGER = True
LANGUAGE_CODE = "en"
