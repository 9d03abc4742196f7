"""群众诉求 — models (see ../shared/spec/domain.md)."""
