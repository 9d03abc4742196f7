"""Settings for Jiceng, configured by environment variables (see docs/deployment.md)."""

import os
from pathlib import Path

import dj_database_url
from csp import constants as csp_constants

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("JICENG_VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DEBUG = env_bool("DJANGO_DEBUG", False)


def _secret_from_file(name: str) -> str:
    """A random key generated on first start and kept in var/ (mode 0600), so that an
    installation never runs on a key published in the source. Back this file up."""
    path = VAR_DIR / name
    if not path.exists():
        import secrets

        VAR_DIR.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "") or _secret_from_file("secret_key")
# Key for encrypting ID numbers at rest (Fernet, derived when not given).
ID_NUMBER_KEY = os.environ.get("JICENG_ID_NUMBER_KEY", "")

ALLOWED_HOSTS = [
    h.strip() for h in os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h.strip()
]
CSRF_TRUSTED_ORIGINS = [o.strip() for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o.strip()]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "axes",
    "csp",
    "jiceng.core",
    "jiceng.accounts",
    "jiceng.orgs",
    "jiceng.members",
    "jiceng.imports",
    # Member lifecycle (发展党员, 组织关系转接, 党费)
    "jiceng.development",
    "jiceng.transfers",
    "jiceng.dues",
    # Organizational life (三会一课, 换届, 教育培训)
    "jiceng.life",
    "jiceng.elections",
    "jiceng.training",
    # Mass work (群众诉求, 党代表联系群众, 微心愿)
    "jiceng.requests",
    "jiceng.liaison",
    "jiceng.wishes",
    # 在职党员到社区报到: counts party days and wishes from life and wishes (dual_sources), so after them.
    "jiceng.dual",
    "jiceng.ratings",
    # 帮扶户与结对帮扶 (issue 14): reads members (cadres who are members), after the domain apps.
    "jiceng.households",
    # 村干部 (issue 15): computes assessment items from the index components of the apps above.
    "jiceng.cadres",
    "jiceng.dashboard",
    "jiceng.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jiceng.urls"
WSGI_APPLICATION = "jiceng.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jiceng" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "jiceng.core.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{VAR_DIR / 'jiceng.sqlite3'}"),
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;", "transaction_mode": "IMMEDIATE"}
    )
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # PostgreSQL's JIT compiles the big aggregates of city-wide pages for 1–2 s and then runs
    # them in less time than that (docs/performance.md): off for Jiceng's connections unless
    # JICENG_PG_JIT=1. The server's setting is left alone.
    if os.environ.get("JICENG_PG_JIT", "0") != "1":
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + " -c jit=off").strip()
    # A county-wide figure groups a city's 340,000 members per township; with PostgreSQL's
    # default work_mem (4 MB) such a sort spills to disk and the statement takes half as long
    # again (docs/performance.md, "The city walk with nothing over budget"). JICENG_PG_WORK_MEM
    # sets it for Jiceng's connections ("" leaves the server's setting).
    work_mem = os.environ.get("JICENG_PG_WORK_MEM", "32MB")
    if work_mem:
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = (options.get("options", "") + f" -c work_mem={work_mem}").strip()
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "jiceng.accounts.validators.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard:command"
LOGOUT_REDIRECT_URL = "accounts:login"

# The proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated): behind
# the documented nginx on the same host, "127.0.0.1,::1". Empty: every request is judged by its
# own address (jiceng/core/client.py; docs/deployment.md §5).
JICENG_TRUSTED_PROXIES = [p.strip() for p in os.environ.get("JICENG_TRUSTED_PROXIES", "").split(",") if p.strip()]

AXES_FAILURE_LIMIT = int(os.environ.get("JICENG_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = 0.25  # hours
# Lock the (username, client address) pair, so one office behind a shared address is not locked
# out by a colleague's typos, and nobody can lock an account from elsewhere by spraying passwords.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "jiceng.core.client.client_address"
# Beyond that, per username from any address: after this many failures within the window, the
# account may be tried once per delay — slowed, never locked (jiceng/accounts/throttle.py).
JICENG_LOGIN_SLOW_AFTER = int(os.environ.get("JICENG_LOGIN_SLOW_AFTER", "10"))
JICENG_LOGIN_SLOW_SECONDS = int(os.environ.get("JICENG_LOGIN_SLOW_SECONDS", "30"))
JICENG_LOGIN_SLOW_WINDOW = 15 * 60
AXES_LOCKOUT_TEMPLATE = "accounts/locked.html"
AXES_ENABLED = env_bool("JICENG_AXES_ENABLED", True)

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = VAR_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "jiceng.accounts.authentication.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
FILTERS_EMPTY_CHOICE_LABEL = "全部"
SPECTACULAR_SETTINGS = {
    "TITLE": "Jiceng API",
    "DESCRIPTION": "基层党建平台 API：组织、党员（数据范围与页面一致）",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "jiceng.core.openapi.document_errors",
    ],
}

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("JICENG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
# How long a sign-in lasts (hours, from signing in): a working day by default.
SESSION_COOKIE_AGE = int(float(os.environ.get("JICENG_SESSION_HOURS", "12")) * 3600)
# API tokens expire after this many days (jiceng/accounts/authentication.py).
JICENG_API_TOKEN_DAYS = int(os.environ.get("JICENG_API_TOKEN_DAYS", "30"))

# Content-Security-Policy (django-csp, ADR 0016): the pages load nothing from outside the
# site, and run no inline script but the few blocks carrying this response's nonce. Styles
# may be inline (style attributes in templates, htmx's indicator style, ECharts).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [csp_constants.SELF],
        "script-src": [csp_constants.SELF, csp_constants.NONCE],
        "style-src": [csp_constants.SELF, csp_constants.UNSAFE_INLINE],
        "img-src": [csp_constants.SELF, "data:", "blob:"],
        "font-src": [csp_constants.SELF, "data:"],
        "connect-src": [csp_constants.SELF],
        "object-src": [csp_constants.NONE],
        "base-uri": [csp_constants.SELF],
        "form-action": [csp_constants.SELF],
        "frame-ancestors": [csp_constants.NONE],
    }
}

DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
IMPORT_MAX_BYTES = int(os.environ.get("JICENG_IMPORT_MAX_BYTES", str(20 * 1024 * 1024)))

# Uploads: photos are checked by content, shrunk and re-encoded (jiceng/core/uploads.py).
JICENG_PHOTO_MAX_BYTES = int(os.environ.get("JICENG_PHOTO_MAX_BYTES", str(10 * 1024 * 1024)))
JICENG_DOCUMENT_MAX_BYTES = int(os.environ.get("JICENG_DOCUMENT_MAX_BYTES", str(10 * 1024 * 1024)))

# Address of the site as residents and members reach it, for QR codes and links in emails
# (e.g. https://dangjian.example.gov.cn). Empty: the address of the current request.
JICENG_SITE_URL = os.environ.get("JICENG_SITE_URL", "")

# Email: notices are always in-app; they are also mailed when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "jiceng@localhost")
JICENG_EMAIL_ENABLED = bool(EMAIL_HOST) or env_bool("JICENG_EMAIL_ENABLED", False)

# Cache: per process by default; Redis in production so that rate limits hold across workers.
CACHE_URL = os.environ.get("JICENG_CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "jiceng"}
    )
}
RATELIMIT_USE_CACHE = "default"
RATELIMIT_IP_META_KEY = "jiceng.core.client.client_address"
# Off only for capacity measurements from one address (bench/bench_load.py); never in production.
RATELIMIT_ENABLE = env_bool("JICENG_RATELIMIT_ENABLED", True)
# django-ratelimit warns that a per-process cache does not share counts between processes;
# that is what the embedded default is (one process). Production sets JICENG_CACHE_URL.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001", "django_ratelimit.E003"]

# Background work: the same jobs run from `manage.py run_scheduler` (no broker, `make run`)
# or from Celery beat with Redis in production (see jiceng/celery.py, docs/deployment.md).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND", "")
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_IGNORE_RESULT = not CELERY_RESULT_BACKEND
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# Whole-list downloads above this many rows are written in the background and offered on
# 我的导出 (jiceng/core/exports.py, docs/decisions/0024-background-exports.md); the files are kept
# this many days in a private directory that no URL serves.
JICENG_EXPORT_THRESHOLD = int(os.environ.get("JICENG_EXPORT_THRESHOLD", "20000"))
JICENG_EXPORT_DAYS = int(os.environ.get("JICENG_EXPORT_DAYS", "7"))
JICENG_EXPORT_DIR = Path(os.environ.get("JICENG_EXPORT_DIR", "") or VAR_DIR / "exports")
# Who writes them: "celery" (a task, when a broker is configured), "thread" (a thread of the web
# process, the embedded default) or "sweep" (only the periodic job core.exports).
JICENG_EXPORT_RUNNER = os.environ.get("JICENG_EXPORT_RUNNER", "") or (
    "celery" if os.environ.get("CELERY_BROKER_URL") else "thread"
)
# A run that has not finished after this many minutes was cut off (a restart) and is marked failed.
JICENG_EXPORT_STALE_MINUTES = int(os.environ.get("JICENG_EXPORT_STALE_MINUTES", "60"))
STORAGES["exports"] = {
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": JICENG_EXPORT_DIR},
}

# Roles allowed to reveal a full ID number (every reveal is audit-logged).
FULL_ID_ROLES = ["county_admin", "township_admin"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DJANGO_LOG_LEVEL", "WARNING")},
}
