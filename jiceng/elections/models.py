"""换届选举 — models (see ../shared/spec/domain.md)."""
