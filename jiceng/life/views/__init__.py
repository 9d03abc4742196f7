"""Pages of organizational life, one module per sub-domain; `life/urls.py` names each view by its
module: `records` (the list and its export, plan or record, edit, delete, attendance marks, review,
publication), `photos`, `sign_in` (the QR code and the page a member signs in on), `compliance`
(the compliance table and its export, one organization's items, the branch's to-do, the htmx cards),
`attendance` (the attendance report and its export), `activity_types` (the rules), `appraisals`
(民主评议党员), `talks` (谈心谈话); `_common` holds what several share.

Thin: scope through visible(), writes through services."""
