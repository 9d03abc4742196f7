"""Recording dues: bases, payments, consent to quarterly payment, back payment, corrections."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from jiceng.core.models import AuditEntry
from jiceng.dues import services
from jiceng.dues.models import DuesBase, DuesPayment
from jiceng.dues.testing import at

pytestmark = pytest.mark.django_db


def pay(dues, member, months, paid_on, **kw):
    return services.record_payment(dues.county.secretary_a, member, months=months, paid_on=paid_on, **kw)


def test_base_is_computed_by_the_rules_and_audited(dues):
    base = DuesBase.objects.get(member=dues.zhang, year=2026)
    assert (base.category, base.income, base.rate, base.monthly_amount) == (
        "employed",
        Decimal("5000.00"),
        Decimal("0.0100"),
        Decimal("50.00"),
    )
    assert DuesBase.objects.get(member=dues.li).monthly_amount == Decimal("50.00")  # retired, 5,000.01 × 1%
    assert DuesBase.objects.get(member=dues.wang).monthly_amount == Decimal("0.20")
    assert DuesBase.objects.get(member=dues.zhao).monthly_amount == Decimal("0.50")  # county default
    with at(2026, 3, 1):
        updated = services.set_base(
            dues.county.secretary_a, dues.zhang, year=2026, category="employed", income="5000.01"
        )
    assert updated.monthly_amount == Decimal("75.00") and updated.revision == 1
    entry = AuditEntry.objects.filter(object_type="dues.DuesBase", action="update").get()
    assert entry.changes["monthly_amount"] == ["50.00", "75.00"]
    assert entry.actor_name == "secretary-a"


def test_base_errors_name_the_field(dues):
    with pytest.raises(ValidationError) as exc:
        services.set_base(None, dues.zhang, year=2026, category="employed", income=None)
    assert "income" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.set_base(None, dues.zhao, year=2026, category="farmer", farmer_amount="1.50")
    assert "farmer_amount" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.set_base(None, dues.zhang, year=2026, category="employed", income="5000", reduced_amount="10")
    assert "reduction_note" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.set_base(None, dues.zhang, year=2007, category="employed", income="5000")
    assert "year" in exc.value.message_dict


def test_reduced_and_exempt_bases(dues):
    base = services.set_base(
        None, dues.zhang, year=2026, category="employed", income="5000", reduced_amount="0", reduction_note="镇党委批准"
    )
    assert base.is_exempt and base.standard_amount == Decimal("50.00") and base.monthly_amount == 0


def test_outsider_cannot_set_a_base_or_record(dues):
    with pytest.raises(PermissionDenied):
        services.set_base(dues.county.admin_a, dues.zhao, year=2026, category="farmer")
    with pytest.raises(PermissionDenied):
        services.record_payment(dues.county.admin_a, dues.zhao, months=[date(2026, 1, 1)], paid_on=date(2026, 1, 5))
    with pytest.raises(PermissionDenied):
        services.record_payment(
            dues.county.member_user, dues.zhang, months=[date(2026, 1, 1)], paid_on=date(2026, 1, 5)
        )
    assert not DuesPayment.objects.exists()


def test_monthly_payment_is_one_row_per_month_with_the_base_amount(dues):
    with at(2026, 3, 20):
        rows = pay(dues, dues.zhang, [date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1)], date(2026, 3, 20))
    assert [(r.month, r.amount, r.due_amount) for r in rows] == [
        (date(2026, 1, 1), Decimal("50.00"), Decimal("50.00")),
        (date(2026, 2, 1), Decimal("50.00"), Decimal("50.00")),
        (date(2026, 3, 1), Decimal("50.00"), Decimal("50.00")),
    ]
    assert rows[0].is_backpay and not rows[2].is_backpay
    entry = AuditEntry.objects.filter(object_type="members.Member", note="登记党费").get()
    assert entry.changes["months"] == ["2026-01", "2026-02", "2026-03"] and entry.changes["amount"] == "150.00"


def test_a_month_cannot_be_paid_twice(dues):
    with at(2026, 3, 20):
        pay(dues, dues.zhang, [date(2026, 3, 1)], date(2026, 3, 20))
        with pytest.raises(ValidationError, match="已登记"):
            pay(dues, dues.zhang, [date(2026, 2, 1), date(2026, 3, 1)], date(2026, 3, 20))
    assert DuesPayment.objects.filter(member=dues.zhang).count() == 1  # February was not kept either


def test_advance_payment_needs_the_branch_consent(dues):
    """Quarterly payment only with the branch's consent (第十二条), and only to the quarter's end."""
    months = [date(2026, 4, 1), date(2026, 5, 1), date(2026, 6, 1)]
    with at(2026, 4, 3):
        with pytest.raises(ValidationError) as exc:
            pay(dues, dues.zhang, months, date(2026, 4, 3))
        text = " ".join(exc.value.messages)
        assert "2026年5月" in text and "2026年6月" in text and "第十二条" in text and "支部同意" in text
        assert not DuesPayment.objects.exists()
        consent = services.record_consent(
            dues.county.secretary_a,
            dues.zhang,
            first_month=date(2026, 4, 1),
            last_month=date(2026, 12, 1),
            decided_on=date(2026, 4, 2),
            decision="支部委员会4月2日研究同意",
        )
        rows = pay(dues, dues.zhang, months, date(2026, 4, 3))
        assert [r.consent_id for r in rows] == [None, consent.pk, consent.pk]
        with pytest.raises(ValidationError, match="本季度末（2026年6月）"):
            pay(dues, dues.zhang, [date(2026, 7, 1)], date(2026, 4, 3))


def test_consent_counts_only_from_its_decision_and_until_revoked(dues):
    with at(2026, 4, 10):
        consent = services.record_consent(
            dues.county.secretary_a,
            dues.zhang,
            first_month=date(2026, 4, 1),
            last_month=date(2026, 12, 1),
            decided_on=date(2026, 4, 8),
            decision="支部委员会研究同意",
        )
        # A payment dated before the decision was not covered by it.
        with pytest.raises(ValidationError, match="支部同意"):
            pay(dues, dues.zhang, [date(2026, 5, 1)], date(2026, 4, 7))
        services.revoke_consent(dues.county.secretary_a, consent)
        with pytest.raises(ValidationError, match="支部同意"):
            pay(dues, dues.zhang, [date(2026, 5, 1)], date(2026, 4, 10))
        with pytest.raises(ValidationError, match="已撤销"):
            services.revoke_consent(dues.county.secretary_a, consent)


def test_back_payment_beyond_six_months_needs_a_reason(dues):
    with at(2026, 8, 5):
        pay(dues, dues.zhang, [date(2026, 2, 1)], date(2026, 8, 5))  # six months back: fine
        with pytest.raises(ValidationError, match="超过6个月"):
            pay(dues, dues.zhang, [date(2026, 1, 1)], date(2026, 8, 5))
        pay(dues, dues.zhang, [date(2026, 1, 1)], date(2026, 8, 5), note="外出务工返乡后补交")
    assert DuesPayment.objects.filter(member=dues.zhang).count() == 2


def test_amounts_must_be_full_and_extra_needs_a_note(dues):
    with at(2026, 3, 10):
        with pytest.raises(ValidationError, match="足额"):
            pay(dues, dues.zhang, [date(2026, 3, 1)], date(2026, 3, 10), amount=Decimal("49.99"))
        with pytest.raises(ValidationError, match="备注"):
            pay(dues, dues.zhang, [date(2026, 3, 1)], date(2026, 3, 10), amount=Decimal("60.00"))
        (row,) = pay(dues, dues.zhang, [date(2026, 3, 1)], date(2026, 3, 10), amount=Decimal("60.00"), note="自愿多交")
    assert (row.amount, row.due_amount) == (Decimal("60.00"), Decimal("50.00"))


def test_other_refusals(dues):
    with at(2026, 3, 10):
        with pytest.raises(ValidationError, match="不能晚于今天"):
            pay(dues, dues.zhang, [date(2026, 3, 1)], date(2026, 3, 11))
        with pytest.raises(ValidationError, match="早于入党日期"):
            pay(dues, dues.wang, [date(2025, 12, 1)], date(2026, 3, 10))
        with pytest.raises(ValidationError, match="尚未核定"):
            pay(dues, dues.zhang, [date(2025, 12, 1)], date(2026, 3, 10))
        # The join month itself is owed (王五 joined on 10 January).
        pay(dues, dues.wang, [date(2026, 1, 1)], date(2026, 3, 10))


def test_delete_payment_keeps_it_in_the_audit_log(dues):
    with at(2026, 3, 10):
        (row,) = pay(dues, dues.zhang, [date(2026, 3, 1)], date(2026, 3, 10))
        with pytest.raises(ValidationError):
            services.delete_payment(dues.county.secretary_a, row, reason=" ")
        with pytest.raises(PermissionDenied):
            services.delete_payment(dues.county.admin_b, row, reason="外来")
        services.delete_payment(dues.county.secretary_a, row, reason="登记错了月份")
    assert not DuesPayment.objects.exists()
    entry = AuditEntry.objects.get(action="delete", object_type="dues.DuesPayment")
    assert entry.changes["amount"] == "50.00" and "登记错了月份" in entry.note


def test_carry_forward_recomputes_last_years_bases(dues):
    with at(2027, 1, 5):
        services.set_base(
            None, dues.li, year=2026, category="retired", income="5000.01", reduced_amount="10", reduction_note="批准"
        )
        result = services.carry_forward_bases(dues.county.admin_a, dues.county.town_a, 2027)
    assert (result.created, result.skipped) == (2, 1)  # 张三 and 王五; 李四 was reduced: needs a new approval
    assert DuesBase.objects.get(member=dues.zhang, year=2027).monthly_amount == Decimal("50.00")
    assert not DuesBase.objects.filter(member=dues.zhao, year=2027).exists()  # other township untouched
    assert not DuesBase.objects.filter(member=dues.li, year=2027).exists()


def test_base_stores_the_code_of_a_chinese_category_name(dues):
    with at(2026, 3, 1):
        base = services.set_base(dues.county.secretary_a, dues.zhang, year=2026, category="退休", income="¥6,000")
        assert (base.category, base.monthly_amount) == ("retired", Decimal("60.00"))
        with pytest.raises(ValidationError) as refused:
            services.set_base(dues.county.secretary_a, dues.zhang, year=2026, category="干部", income="6000")
    assert "employed" in str(refused.value.message_dict["category"])
