"""Dues pages (ledger and completion, a member's dues, recording, bases, consent, import,
calculator and the county's settings), one module per sub-domain; `dues/urls.py` names each view
by its module. Reads go through visible()/get_visible_or_404(), writes through services."""
