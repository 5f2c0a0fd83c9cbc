"""The lifecycle moves on dates (seed 001): `learning` on a course's start, `renewal_due`
when the renewal window opens, `lost` after the grace past the end with no renewal,
`renewed` on a new enrolment when due or within the window — by the daily `lifecycle`
schedule and the enrolment events; each move on the timeline; and the funnel's renewal
rate counting them."""

from __future__ import annotations

import datetime

import pytest

from core.testing.http import Tenant
from core.testing.server import RunningServer
from plugins.education.config import EducationConfig, LifecycleStage
from plugins.education.lifecycle import moves
from tests.education.support import enable_education, enrol, new_student, profile, run_schedule
from tests.education.support import student as student_of
from tests.plugins.support import today
from tests.support.expect import ok

D = datetime.date(2026, 3, 1)
S = LifecycleStage


def day(n: int) -> datetime.date:
    return D + datetime.timedelta(days=n)


# -- the rule, pure ------------------------------------------------------------------------
CONFIG = EducationConfig(renewal_reminder_days=30, lost_after_days=30)
COURSE = [(day(0), day(59))]  # ends on day 59: the window opens on day 29


@pytest.mark.parametrize(
    ("stage", "on", "path"),
    [
        (S.enrolled, -1, []),
        (S.enrolled, 0, [S.learning]),
        (S.learning, 28, []),
        (S.learning, 29, [S.renewal_due]),
        (S.enrolled, 29, [S.learning, S.renewal_due]),  # days missed: both moves
        (S.renewal_due, 89, []),  # the last day of grace
        (S.renewal_due, 90, [S.lost]),
        (S.enrolled, 90, [S.renewal_due, S.lost]),
        (S.renewed, 10, [S.learning]),
        (S.lost, 100, []),
        (S.lead, 10, []),
    ],
)
def test_the_moves_of_a_day(stage: LifecycleStage, on: int, path: list[LifecycleStage]):
    assert moves(CONFIG, stage, COURSE, day(on)) == path


def test_a_later_course_keeps_the_window_shut():
    later = [*COURSE, (day(60), day(200))]
    assert moves(CONFIG, S.learning, later, day(40)) == []
    assert moves(CONFIG, S.learning, later, day(170)) == [S.renewal_due]


# -- over HTTP, with the daily schedule --------------------------------------------------
def test_dates_move_students_and_the_renewal_rate_counts_them(
    server: RunningServer, tenant: Tenant
):
    enable_education(tenant, renewal_reminder_days=30, lost_after_days=30)
    t = today(tenant)

    def on(n: int) -> str:
        return (t + datetime.timedelta(days=n)).isoformat()

    def run(n: int) -> None:
        run_schedule(server, tenant, "lifecycle", f"{on(n)}T01:00:00")

    def stage(customer: dict) -> str:
        return str(student_of(tenant, customer["id"])["lifecycle_stage"])

    a = new_student(tenant, "不续费")  # will be lost
    b = new_student(tenant, "到期续费")  # renews once due
    c = new_student(tenant, "提前续费")  # renews while learning, within the window
    d = new_student(tenant, "再报一门")  # enrols again before the window: not a renewal
    for who in (a, b):
        enrol(tenant, who["id"], on(1), on(60))
    enrol(tenant, c["id"], on(-40), on(10))
    profile(tenant, c["id"], lifecycle_stage="learning")
    enrol(tenant, c["id"], on(11), on(365))
    enrol(tenant, d["id"], on(-10), on(100))
    profile(tenant, d["id"], lifecycle_stage="learning")
    enrol(tenant, d["id"], on(101), on(200))
    assert [stage(x) for x in (a, b, c, d)] == ["enrolled", "enrolled", "renewed", "learning"]

    run(0)
    assert stage(a) == "enrolled"  # the course starts tomorrow
    run(1)
    assert [stage(x) for x in (a, b, c)] == ["learning", "learning", "learning"]
    run(29)
    assert stage(a) == "learning"  # the window opens on day 30
    run(30)
    assert [stage(a), stage(b)] == ["renewal_due", "renewal_due"]
    run(30)  # again: nothing twice
    enrol(tenant, b["id"], on(61), on(365))
    assert stage(b) == "renewed"
    run(90)
    assert [stage(a), stage(b)] == ["renewal_due", "learning"]  # a: last day of grace
    run(91)
    assert [stage(x) for x in (a, b, c, d)] == ["lost", "learning", "learning", "learning"]

    timeline = ok(tenant.client.get(f"/customers/{a['id']}/timeline"))["items"]
    summaries = [e["summary"] for e in timeline if e["kind"] == "education.lifecycle.changed"]
    assert summaries == [
        "Lifecycle renewal_due → lost",
        "Lifecycle learning → renewal_due",
        "Lifecycle enrolled → learning",
        "Lifecycle lead → enrolled",
    ]

    funnel = ok(
        tenant.client.get(
            "/plugins/education/funnel", params={"from": t.isoformat(), "to": t.isoformat()}
        )
    )["overall"]
    # Due: a and b (marked due) and c (renewed within the window); renewed: b and c.
    assert (funnel["renewal_due"], funnel["renewed"], funnel["lost"]) == (3, 2, 1)
    assert funnel["renewal_rate"] == 0.6667
