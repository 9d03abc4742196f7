"""Rows of the outsider walk for the dues pages, the dues API and the six-month watch page
(see jiceng/core/tests/scope.py). The victim is 赵秘密 of township B, with a base, a payment,
a consent and an import batch."""

from datetime import date


def samples(county, victim):
    member = {"pk": county.member_b.pk}
    return {
        "dues:ledger": {},
        "dues:ledger_export": {},
        "dues:mine": {},
        "dues:member": member,
        "dues:pay": member,
        "dues:base": member,
        "dues:consent": member,
        "dues:consent_revoke": {"pk": victim["victim_consent"]},
        "dues:payment_delete": {"pk": victim["victim_payment"]},
        "dues:bases": {},
        "dues:bases_carry": {},
        "dues:import": {},
        "dues:import_template": {},
        "dues:import_preview": {},
        "dues:import_confirm": {},
        "dues:import_undo": {},
        "dues:panel": {},
        "dues:calculator": {},
        "dues:settings": {},
        "members:watch": {},
        "dues-calculate": {},
        "dues-completion": {},
        "dues-payment-list": {},
        "dues-payment-detail": {"pk": victim["victim_payment"]},
        "dues-payment-undo": {"pk": victim["victim_payment"]},
        "dues-base-list": {},
        "dues-base-detail": {"pk": victim["victim_base"]},
    }


QUERIES = {
    "dues:ledger": "?org={town_b}&state=unpaid",
    "dues:ledger_export": "?org={town_b}",
    "dues:bases": "?org={town_b}&missing=1",
    "dues:bases_carry": "?org={town_b}",
    "dues:import": "?org={town_b}",
    "dues:import_template": "?org={town_b}&month=2026-01",
    "dues:panel": "?org={town_b}&where=command",
    "members:watch": "?org={town_b}&level=4",
    "dues-calculate": "?category=employed&income=3000",
    "dues-completion": "?org={town_b}",
    "dues-payment-list": "?organization={town_b}",
    "dues-base-list": "?organization={town_b}",
}
POSTS = {
    "dues:pay": {"first_month": "2026-02", "paid_on": "2026-02-05", "method": "cash"},
    "dues:base": {"year": "2026", "category": "employed", "income": "9000"},
    "dues:consent": {
        "first_month": "2026-01",
        "last_month": "2026-12",
        "decided_on": "2026-01-05",
        "decision": "外来同意",
    },
    "dues:payment_delete": {"reason": "外来撤销"},
    "dues:bases_carry": {"year": "2027"},
    "dues:import_confirm": {"token": "{victim_token}"},
    "dues:settings": {"farmer_amount": "0.90", "reminder_day": "20"},
    # POST on the list records a payment (API): the victim's member, a month they owe.
    "dues-payment-list": {"member": "{victim_member}", "month": "2026-02", "paid_on": "2026-02-05"},
    "dues-payment-undo": {"reason": "外来撤销"},
}
ANONYMOUS_OPEN: set[str] = set()
PUBLIC: set[str] = set()


def setup(county):
    from jiceng.core import audit
    from jiceng.dues import services
    from jiceng.dues.models import DuesImportBatch, DuesPayment

    victim = county.member_b
    base = services.set_base(None, victim, year=2026, category="farmer", note="秘密备注")
    consent = services.record_consent(
        None,
        victim,
        first_month=date(2026, 1, 1),
        last_month=date(2026, 12, 1),
        decided_on=date(2026, 1, 2),
        decision="乙乡秘密支部同意",
    )
    (payment,) = services.record_payment(
        None, victim, months=[date(2026, 1, 1)], paid_on=date(2026, 1, 5), note="秘密交纳 13900009999"
    )
    batch = DuesImportBatch.objects.create(file_name="乙乡秘密.xlsx", row_count=1, org_path=county.town_b.path)
    DuesPayment.objects.filter(pk=payment.pk).update(batch=batch)
    audit.record(None, "import", batch, org_path=county.town_b.path)
    return {
        "victim_member": victim.pk,
        "victim_base": base.pk,
        "victim_consent": consent.pk,
        "victim_payment": payment.pk,
        "victim_token": "no-such-token",
    }


def invariants(county):
    from jiceng.dues.models import DuesBase, DuesConsent, DuesImportBatch, DuesPayment, DuesSettings

    return (
        list(DuesPayment.objects.order_by("pk").values_list("pk", "member_id", "month", "amount")),
        list(DuesBase.objects.order_by("pk").values_list("pk", "member_id", "year", "monthly_amount", "revision")),
        list(DuesConsent.objects.order_by("pk").values_list("pk", "revoked_on")),
        list(DuesImportBatch.objects.order_by("pk").values_list("pk", "status")),
        DuesSettings.current().farmer_amount,
    )
