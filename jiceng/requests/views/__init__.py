"""Request pages, one module per sub-domain; `requests/urls.py` and `requests/public_urls.py`
name each view by its module.

    ledger        the staff inbox (台账) with its filters, and its export
    case          one request: its page, the handler's actions, publishing, photos
    intake_staff  staff entry on a resident's behalf, and the intake page's QR posters
    figures       the command-screen cards and the ranking (period, figures, export)
    config        the county admin's configuration
    public        the residents' pages (intake, progress, rating) and the public board
    _common       who may handle requests, where a user may enter them, the one visible request

Reads of requests go through `queries.visible_requests(user, qs)`; every change goes through
`services`."""
