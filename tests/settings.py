"""Settings for the test suite: production settings plus what makes tests fast and hermetic."""

import os

os.environ.setdefault("CARNET_TESTING", "1")
os.environ.setdefault("CARNET_SECRET_KEY", "test-secret-key-not-for-production-0123456789")
os.environ.setdefault("CARNET_DATA_KEY", "t1:" + "A" * 43 + "=")
os.environ.setdefault("CARNET_INDEX_KEY", "B" * 43 + "=")

from carnet.config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CARNET_API_DOCS_PUBLIC = False
AXES_FAILURE_LIMIT = 5
WHITENOISE_AUTOREFRESH = True
