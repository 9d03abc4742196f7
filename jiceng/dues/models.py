"""党费 — models (see ../shared/spec/domain.md)."""
