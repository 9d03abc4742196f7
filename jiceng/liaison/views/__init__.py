"""Liaison pages (the register, the visit and problem ledgers, the report), one module per
sub-domain; `liaison/urls.py` names each view by its module.

Every queryset goes through `visible()`; every object through `get_visible_or_404()`;
every write through `services`. Members (role 党员) use their own pages, not these."""
