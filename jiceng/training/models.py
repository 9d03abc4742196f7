"""教育培训 — models (see ../shared/spec/domain.md)."""
