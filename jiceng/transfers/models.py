"""组织关系转接 — models (see ../shared/spec/domain.md)."""
