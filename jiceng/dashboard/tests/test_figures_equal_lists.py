"""Every count on the command screen and the organization page opens a list of exactly that many
rows (issue 11 item 8). On the demo county, as each persona, the test opens the page and every
card it loads (htmx), and follows each link that carries a count (`data-count`) to its list, whose
total is marked `data-list-count`. A link whose text shows a number must say which it is:
`data-count` (a count of the rows behind it) or `data-no-count` (a rate, a sum, a name)."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.test import Client

from jiceng.accounts.models import User
from jiceng.demo.testing import tiny_demo
from jiceng.orgs.models import Organization
from jiceng.testing import kept_for_the_module

pytestmark = pytest.mark.django_db

PERSONAS = ["demo-county", "demo-township", "demo-branch", "demo-member", "demo-department"]


class Links(HTMLParser):
    """The page's links (href, text, data-count / data-no-count) and the cards it loads."""

    def __init__(self):
        super().__init__()
        self.open: list[dict] = []
        self.links: list[dict] = []
        self.loads: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("hx-get") and "load" in (a.get("hx-trigger") or ""):
            self.loads.append(a["hx-get"])
        if tag == "a" and a.get("href"):
            self.open.append(
                {"href": a["href"], "text": "", "count": a.get("data-count"), "exempt": "data-no-count" in a}
            )

    def handle_endtag(self, tag):
        if tag == "a" and self.open:
            self.links.append(self.open.pop())

    def handle_data(self, data):
        for link in self.open:
            link["text"] += data


def crawl(client: Client, start: list[str]) -> tuple[list[tuple[str, dict]], list[str]]:
    """(page, link) for every link on the pages and the cards they load."""
    todo, seen, found, problems = list(start), set(), [], []
    while todo:
        url = todo.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url, follow=True)  # a member's screen is their own record
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
            continue
        parser = Links()
        parser.feed(response.content.decode())
        todo += parser.loads
        # A persona sent elsewhere (a member to their record, a department to its inbox) has
        # no figure screen: its page's links are not figures.
        found += [(url, link) for link in parser.links if not response.redirect_chain]
    return found, problems


def list_count(client: Client, href: str) -> int | None:
    response = client.get(href)
    if response.status_code != 200:
        return None
    counts = re.findall(r'data-list-count="(\d+)"', response.content.decode())
    return int(counts[0]) if len(set(counts)) == 1 else None


def start_pages(user: User) -> list[str]:
    pages = ["/"]
    if user.organization_id:
        pages.append(f"/orgs/{user.organization_id}/")
        if user.role == "county_admin":  # a township's and a village's page too
            town = Organization.objects.filter(parent=user.organization).order_by("path").first()
            village = (
                Organization.objects.filter(parent=town, type__in=["general_branch", "branch"]).order_by("path").first()
            )
            pages += [f"/orgs/{town.pk}/", f"/orgs/{village.pk}/"]
    return pages


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """One tiny county for the five personas (jiceng.testing.kept_for_the_module)."""
    with kept_for_the_module(django_db_blocker):
        yield tiny_demo(3, password="demo-test-2468")


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_count_opens_a_list_of_that_many(demo, persona):
    user = User.objects.get(username=persona)
    client = Client()
    client.force_login(user)
    links, problems = crawl(client, start_pages(user))
    checked = 0
    for page, link in links:
        text = " ".join(link["text"].split())
        if link["count"] is None:
            if re.search(r"\d", text) and not link["exempt"] and not link["href"].startswith("#"):
                problems.append(
                    f"{page}: 「{text}」 → {link['href']} shows a number but says neither data-count nor data-no-count"
                )
            continue
        got = list_count(client, link["href"])
        checked += 1
        if got != int(link["count"]):
            problems.append(f"{page}: 「{text}」 says {link['count']}, {link['href']} lists {got}")
    assert problems == [], "\n".join(problems)
    if persona in ("demo-county", "demo-township", "demo-branch"):
        assert checked >= 20, f"only {checked} counted links found for {persona}"
