"""Exit 0 if the PostgreSQL server in the given URL answers within 3 seconds."""

import sys

import dj_database_url

try:
    import psycopg
except ImportError:
    sys.exit(1)

cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1",
        port=cfg["PORT"] or 5432,
        user=cfg["USER"],
        password=cfg["PASSWORD"] or None,
        dbname="postgres",
        connect_timeout=3,
    ).close()
except Exception:
    sys.exit(1)
