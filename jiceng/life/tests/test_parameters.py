"""Whatever a query string holds, the compliance, yearly-item and API pages answer without a
server error (a 200 with a message, a 400 or a 404)."""

import pytest
import time_machine
from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from jiceng.testing import client_for

pytestmark = pytest.mark.django_db

EDGES = [
    "",
    "2026",
    "2026-Q3",
    "2026-07",
    "1921",
    "2100-12",
    "9999",
    "9999-Q4",
    "0001-01",
    "-1",
    "0",
    "²",
    "２０２６",
    "٢٠٢٦",
    "99999999999999999999999",
    "1e400",
    "NaN",
    "\x00",
    "2026-13",
    "2026-02-30",
    " 2026 ",
    "x" * 5000,
]
values = st.one_of(
    st.sampled_from(EDGES),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30),
    st.integers(min_value=-(10**25), max_value=10**25).map(str),
)


# The county is only read (and the appraisal of one member corrected), so sharing it between
# examples is fine.
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(period=values, year=values, org=values)
@example(period="9999", year="-1", org="²")
@example(period="1920", year="99999999999999999999999", org="99999999999999999999999")
def test_no_server_error_whatever_the_parameters(county, types, period, year, org):
    c = client_for(county.county_admin)
    with time_machine.travel("2026-11-25 10:00 +0800"):
        pages = [
            (reverse("life:compliance"), {"period": period, "org": org}),
            (reverse("life:compliance"), {"period": period}),
            (reverse("life:compliance_export"), {"period": period, "org": org}),
            (reverse("life:compliance_org", args=[county.branch_a.pk]), {"period": period}),
            (reverse("life:attendance_report"), {"period": period, "org": org}),
            (reverse("life:talks"), {"year": year, "org": org}),
            (reverse("life:talks"), {"year": year}),
            (reverse("life:appraisals"), {"year": year, "org": org}),
            (reverse("life:appraisals"), {"year": year}),
            (reverse("life-compliance"), {"period": period, "org": org}),
            (reverse("life-compliance"), {"period": period}),
        ]
        for url, params in pages:
            response = c.get(url, params)
            assert response.status_code < 500, (url, params, response.status_code)
            assert response.status_code in (200, 302, 400, 404), (url, params, response.status_code)
        response = c.post(
            reverse("life:appraisals") + f"?org={county.branch_a.pk}",
            {"year": year, f"g-{county.member_a.pk}": "qualified"},
        )
        assert response.status_code == 302, (year, response.status_code)
