"""The nine-service table of seed 003 §5, row by row, as the default `services` config:
each service's tiers, recurrence, task kind and who does it. The behaviour the rows drive
(calls per tier, occasions, services on request) is exercised over HTTP in
`test_services.py`; this pins the table itself, so narrowing a row fails here.

| # | seed 003 §5                                   | key | attention | general | by            |
| 1 | phone call every half month                   |  √  |           |         | head teacher  |
| 2 | phone call every month                        |     |     √     |    √    | head teacher  |
| 3 | a birthday gift on the day                    |  √  |           |         | person in charge |
| 4 | customer appreciation event                   |  √  |           |         | person in charge |
| 5 | SMS greetings on major holidays               |  √  |     √     |    √    | SP admin      |
| 6 | the latest product information                |  √  |     √     |    √    | department    |
| 7 | referral: 300 CNY gift, 20 % off              |  √  |           |         | person in charge |
| 8 | referral: 200 CNY gift, 15 % off              |     |     √     |    √    | person in charge |
| 9 | feedback on every opinion within 24 hours     |  √  |     √     |    √    | head teacher  |
"""

from __future__ import annotations

import pytest

from plugins.education.config import Assignee, EducationConfig, Tier

K, A, G = Tier.key, Tier.attention, Tier.general
OWNER, ADMIN, NOBODY = Assignee.owner, Assignee.message_admin, Assignee.unassigned

# name: (tiers, recurrence, task kind, assignee, referrer gift, discount %)
TABLE = {
    "call_fortnightly": ({K}, "every 15 days", "call", OWNER, None, None),
    "call_monthly": ({A, G}, "every 1 months", "call", OWNER, None, None),
    "birthday_gift": ({K}, "on birthday", "birthday_gift", OWNER, None, None),
    "appreciation_event": ({K}, "on request", "invitation", OWNER, None, None),
    "holiday_greeting": ({K, A, G}, "on holidays", "greeting", ADMIN, None, None),
    "product_news": ({K, A, G}, "on request", "product_news", NOBODY, None, None),
    "referral_key": ({K}, "on referral", "referral_gift", OWNER, 30000, 20),
    "referral": ({A, G}, "on referral", "referral_gift", OWNER, 20000, 15),
    "feedback_reply": ({K, A, G}, "on feedback", "feedback_reply", OWNER, None, None),
}


def test_the_default_schedule_has_exactly_the_nine_rows_in_order():
    assert [s.name for s in EducationConfig().services] == list(TABLE)


@pytest.mark.parametrize("name", list(TABLE))
def test_each_row_has_its_tiers_recurrence_task_kind_and_assignee(name: str):
    service = EducationConfig().service(name)
    assert service is not None
    tiers, recurrence, kind, assignee, gift, discount = TABLE[name]
    assert set(service.tiers) == tiers
    assert len(service.tiers) == len(tiers)
    assert service.recurrence == recurrence
    assert service.task_kind == kind
    assert service.assign_to == assignee
    assert (service.referrer_gift, service.discount_percent) == (gift, discount)


@pytest.mark.parametrize(
    ("tier", "calls"),
    [(K, ["call_fortnightly"]), (A, ["call_monthly"]), (G, ["call_monthly"])],
)
def test_each_tier_earns_one_recurring_call(tier: Tier, calls: list[str]):
    """Key students are called every 15 days; attention AND general ones every month."""
    assert [s.name for s in EducationConfig().recurring_for(tier)] == calls


@pytest.mark.parametrize(
    ("occasion", "tier", "names"),
    [
        ("birthday", K, ["birthday_gift"]),
        ("birthday", A, []),
        ("birthday", G, []),
        ("request", K, ["appreciation_event", "product_news"]),
        ("request", A, ["product_news"]),
        ("request", G, ["product_news"]),
        ("holidays", K, ["holiday_greeting"]),
        ("holidays", A, ["holiday_greeting"]),
        ("holidays", G, ["holiday_greeting"]),
        ("referral", K, ["referral_key"]),
        ("referral", A, ["referral"]),
        ("referral", G, ["referral"]),
        ("feedback", K, ["feedback_reply"]),
        ("feedback", A, ["feedback_reply"]),
        ("feedback", G, ["feedback_reply"]),
    ],
)
def test_each_tier_is_served_on_each_occasion_by_its_rows(
    occasion: str, tier: Tier, names: list[str]
):
    assert [s.name for s in EducationConfig().services_on(occasion, tier)] == names
