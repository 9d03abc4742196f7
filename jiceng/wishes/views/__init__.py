"""Wish pages, one module per sub-domain; `wishes/urls.py` names each view by its module.

    ledger        the staff ledger (台账) with its filters and export, the report and its
                  export, the figures card (htmx)
    case          one wish: its page, the staff's steps, its photos
    intake_staff  staff entry on a resident's behalf (代录), and the posting page's QR posters
    config        the county admin's settings
    public        the residents' pages (post, pool and wall, follow-up), rate-limited
    members       the members' claim pool and their own claims
    _common       the message members get on staff pages; the townships and streets

Staff pages go through `visible()` / `get_visible_or_404()`. Public pages show public fields
only (masked requester, staff-written text, photos staff chose). Members see the pool (public
data) and their own claims. Every change goes through `services`."""
