"""Django settings for the test run: the real settings, with test defaults in the environment.

Only values a developer's machine would otherwise lack are defaulted here; ``DATABASE_URL``
still chooses the database (``make test`` runs the suite on SQLite and on PostgreSQL).
"""

import os
import tempfile

os.environ.setdefault("ETHOS_SECRET_KEY", "test-secret-key-for-ethos-tests-only-0123456789")
os.environ.setdefault("ETHOS_DATA_DIR", tempfile.mkdtemp(prefix="ethos-test-"))
os.environ.setdefault("ETHOS_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")

from ethos.web.settings import *  # noqa: F403

EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # tests needing SMTP opt in
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed, tests only
