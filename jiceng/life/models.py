"""组织生活 — models (see ../shared/spec/domain.md)."""
