"""党代表联系服务群众 — models (see ../shared/spec/domain.md)."""
