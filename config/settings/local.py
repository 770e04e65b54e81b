"""Local development: debug on, the embedded defaults."""

from config.settings.base import *  # noqa: F403
from config.settings.base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# The development server runs each request in a thread of its own: a kept connection
# would never be reused (Django's advice is not to keep them in development).
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)  # noqa: F405
