"""发展党员 — models (see ../shared/spec/domain.md)."""
