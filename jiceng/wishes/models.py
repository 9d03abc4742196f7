"""微心愿 — models (see ../shared/spec/domain.md)."""
