"""Django settings. Every value that may vary comes from the environment through
:mod:`ethos.web.config` and is documented in ``docs/configuration.md``."""

from __future__ import annotations

from pathlib import Path

from ethos.web.config import (
    MIN_GROUP_FLOOR,
    ConfigError,
    database_from_url,
    env_bool,
    env_int,
    env_list,
    env_path,
    env_str,
)

PACKAGE_DIR = Path(__file__).resolve().parent.parent
REPO_DIR = PACKAGE_DIR.parent.parent

DEBUG = env_bool("ETHOS_DEBUG", False, "Show Django's debug pages. Never in production.")
DATA_DIR = env_path(
    "ETHOS_DATA_DIR",
    Path.cwd() / "var",
    "Folder for the SQLite database, the job queue and uploaded files.",
)
DATA_DIR.mkdir(parents=True, exist_ok=True)
(DATA_DIR / "static").mkdir(exist_ok=True)
_secret = env_str(
    "ETHOS_SECRET_KEY",
    "",
    "Long random secret that signs sessions and keys the token hashes. Required unless "
    "ETHOS_DEBUG is true. Changing it makes every unused invitation link invalid.",
)
if not _secret:
    if not DEBUG:
        raise ConfigError(
            "ETHOS_SECRET_KEY is not set. Set it to a long random string, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    _secret = "ethos-development-only-secret-key-do-not-use-in-production"
SECRET_KEY = _secret

ALLOWED_HOSTS = env_list(
    "ETHOS_ALLOWED_HOSTS", ("127.0.0.1", "localhost"), "Host names the server answers to."
)
BASE_URL = env_str(
    "ETHOS_BASE_URL",
    "http://127.0.0.1:8000",
    "The public address of this Ethos, used in the links that invitation emails carry.",
).rstrip("/")
CSRF_TRUSTED_ORIGINS = [BASE_URL]

DATABASES = {
    "default": database_from_url(
        env_str(
            "DATABASE_URL",
            f"sqlite:///{DATA_DIR / 'ethos.sqlite3'}",
            "Where the data lives: sqlite:///path (default: ETHOS_DATA_DIR/ethos.sqlite3) or "
            "postgresql://user:password@host:port/name for production.",
        )
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

ETHOS_MIN_GROUP_SIZE = env_int(
    "ETHOS_MIN_GROUP_SIZE",
    10,
    f"Default minimum group size for new surveys. Cannot be set below {MIN_GROUP_FLOOR}.",
    minimum=MIN_GROUP_FLOOR,
)
ETHOS_REMINDER_BATCH = env_int(
    "ETHOS_REMINDER_BATCH",
    200,
    "How many invitation or reminder emails go out per batch.",
    minimum=1,
)
ETHOS_MAX_UPLOAD_MB = env_int(
    "ETHOS_MAX_UPLOAD_MB", 20, "Largest roster or instrument file accepted, in MB.", minimum=1
)
ETHOS_GUESS_LIMIT = env_int(
    "ETHOS_GUESS_LIMIT",
    20,
    "Failed attempts at a survey link, kiosk code or resume code allowed from one address "
    "in ETHOS_GUESS_WINDOW_SECONDS; after that the address gets 'Too many attempts' until "
    "the window ends. Counted per worker process.",
    minimum=1,
)
ETHOS_GUESS_WINDOW_SECONDS = env_int(
    "ETHOS_GUESS_WINDOW_SECONDS",
    600,
    "How long, in seconds, failed attempts from one address are counted (a fixed window from "
    "the first failure).",
    minimum=1,
)
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # a survey submission is far smaller
FILE_UPLOAD_MAX_MEMORY_SIZE = ETHOS_MAX_UPLOAD_MB * 1024 * 1024

EMAIL_HOST = env_str("ETHOS_EMAIL_HOST", "127.0.0.1", "SMTP server for invitations.")
EMAIL_PORT = env_int("ETHOS_EMAIL_PORT", 25, "SMTP port.", minimum=1)
EMAIL_HOST_USER = env_str("ETHOS_EMAIL_USER", "", "SMTP user name, if the server needs one.")
EMAIL_HOST_PASSWORD = env_str("ETHOS_EMAIL_PASSWORD", "", "SMTP password.")
EMAIL_USE_TLS = env_bool("ETHOS_EMAIL_USE_TLS", False, "Use STARTTLS to the SMTP server.")
EMAIL_TIMEOUT = 20
DEFAULT_FROM_EMAIL = env_str(
    "ETHOS_EMAIL_FROM", "Ethos <ethos@localhost>", "The From address of invitation emails."
)
EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"

HTTPS = env_bool(
    "ETHOS_HTTPS",
    False,
    "Ethos is served over HTTPS (directly or behind a proxy that sets X-Forwarded-Proto): "
    "cookies go over HTTPS only, HTTP redirects to HTTPS and browsers are told to use HTTPS "
    "for a year (HSTS). Set true in production.",
)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_PRELOAD = HTTPS
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 8 * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"  # respondent pages send no-referrer themselves
X_FRAME_OPTIONS = "DENY"

ASSETS_DIR = env_path(
    "ETHOS_ASSETS_DIR",
    REPO_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk",
    "Folder of the nhsuk-frontend build (npm package nhsuk-frontend, dist/nhsuk).",
)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ethos.web",
    "ethos.organisations",
    "ethos.surveys",
    "ethos.results",
    "ethos.workforce",
    "ethos.feedback",
    "ethos.nominations",
]
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "ethos.web.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
ROOT_URLCONF = "ethos.web.urls"
WSGI_APPLICATION = "ethos.web.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "ethos.web.jinja.environment",
            "context_processors": ["ethos.web.context.navigation"],
        },
    },
    {  # only for Django's own machinery (e.g. form widgets); Ethos pages use Jinja2
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
    },
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]

LANGUAGE_CODE = env_str("ETHOS_LANGUAGE", "en-gb", "Default language (en-gb or cy).")
LANGUAGES = [("en-gb", "English"), ("cy", "Cymraeg")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Europe/London"
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [("nhsuk", ASSETS_DIR)] if ASSETS_DIR.is_dir() else []
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGGING = {  # no request lines: the access log never carries survey data or tokens
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"django.request": {"handlers": ["console"], "level": "ERROR"}},
}
