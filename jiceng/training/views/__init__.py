"""Training pages, one module per sub-domain; `training/urls.py` names each view by its module.

Querysets come through `queries.visible_training()` (data scope, and members see only their own records);
every change goes through `services`."""
