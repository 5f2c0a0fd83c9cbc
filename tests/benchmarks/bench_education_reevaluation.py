"""Benchmark: re-evaluating every education student of a tenant on PostgreSQL.

Run: `uv run python -m tests.benchmarks.bench_education_reevaluation [--students N]
[--breakdown] [--profile]`. Not part of the test run.

A throwaway PostgreSQL cluster, one tenant with the education plugin enabled, and N
customers (default 100,000) seeded in bulk with `COPY` (as the cluster's superuser, so
row-level security does not apply to the seeding): a student profile each (a mix of
positions), one to three payments (some partly refunded) and one or two enrolments (some
overlapping), so the tiers come out mixed. Measured in the same run:

- baseline: reading the facts alone — the three set-based queries (students, net paid,
  enrolment periods) for every student, median of three after a warm-up;
- pass 1: the first full `reevaluate(ctx, None, …)`; every tier starts null,
  so every student changes tier (a tier-change row, a job and an event each);
- pass 2: the same again, nothing changed;
- pass 3: after a big payment and a long enrolment for 10% of the students not yet key,
  so about 10% change.

Each pass prints its time, students/s, changes and its ratio to the baseline; the target
is ≤ 10 s for the slowest full re-evaluation of 100,000 students (scaled linearly for
another N). `--breakdown` times the parts of `reevaluate` in each pass (by wrapping the
functions it calls: a few microseconds per call); `--profile` resets every tier afterwards
and runs pass 1 again under cProfile. The exit code is 0 whatever the figures: only an
error fails the run.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import datetime
import io
import os
import pstats
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import asyncpg

from core.ids import uuid7
from core.testing.postgres import APP_DATABASE, PostgresCluster
from core.testing.server import REPO_ROOT, cli_command

STUDENTS = 100_000
TARGET_SECONDS = 10.0
TARGET_STUDENTS = 100_000
CHANGED_SHARE = 0.10
CURRENCY = "CNY"
SEED = 20_261_123

# (position, weight): senior scores 2, public_sector 1, other and none 0.
POSITIONS = [("senior", 15), ("public_sector", 30), ("other", 40), (None, 15)]
STAGES = ["lead", "consulting", "enrolled", "learning", "renewal_due", "renewed", "lost"]
COURSES = ["IELTS", "TOEFL", "GMAT", "Piano", "Calligraphy", "Python", "Accounting"]


class Seed:
    """The rows written, as tuples in COPY column order."""

    CUSTOMERS = ("id", "tenant_id", "name", "collected_at", "created_at", "updated_at")
    STUDENTS = (
        "id",
        "tenant_id",
        "customer_id",
        "position",
        "lifecycle_stage",
        "created_at",
        "updated_at",
    )
    PAYMENTS = (
        "id",
        "tenant_id",
        "customer_id",
        "kind",
        "amount",
        "currency",
        "occurred_at",
        "refund_of_id",
        "created_at",
    )
    ENROLLMENTS = (
        "id",
        "tenant_id",
        "customer_id",
        "course",
        "starts_on",
        "ends_on",
        "fee",
        "currency",
        "created_at",
    )

    def __init__(self) -> None:
        self.customers: list[tuple[Any, ...]] = []
        self.students: list[tuple[Any, ...]] = []
        self.payments: list[tuple[Any, ...]] = []
        self.enrollments: list[tuple[Any, ...]] = []


def make_seed(tenant_id: uuid.UUID, count: int, rng: random.Random) -> Seed:
    seed = Seed()
    now = datetime.datetime.now(datetime.UTC)
    today = now.date()
    names, weights = zip(*POSITIONS, strict=True)
    for number in range(count):
        customer_id = uuid7()
        created = now - datetime.timedelta(days=rng.randint(30, 900))
        seed.customers.append(
            (customer_id, tenant_id, f"学员 {number:06d}", created, created, created)
        )
        position = rng.choices(names, weights)[0]
        stage = rng.choice(STAGES)
        seed.students.append((uuid7(), tenant_id, customer_id, position, stage, created, created))
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            paid_id = uuid7()
            amount = rng.randrange(50_000, 600_001, 100)  # 500.00 to 6000.00 CNY
            paid_at = created + datetime.timedelta(days=rng.randint(0, 25))
            seed.payments.append(
                (
                    paid_id,
                    tenant_id,
                    customer_id,
                    "payment",
                    amount,
                    CURRENCY,
                    paid_at,
                    None,
                    paid_at,
                )
            )
            if rng.random() < 0.12:
                refunded_at = paid_at + datetime.timedelta(days=rng.randint(1, 20))
                refund = rng.randrange(10_000, amount + 1, 100)
                seed.payments.append(
                    (
                        uuid7(),
                        tenant_id,
                        customer_id,
                        "refund",
                        refund,
                        CURRENCY,
                        refunded_at,
                        paid_id,
                        refunded_at,
                    )
                )
        starts_on = today - datetime.timedelta(days=rng.randint(0, 700))
        for index in range(rng.choice((1, 1, 2))):
            if index:  # a second course: overlapping the first half the time
                starts_on += datetime.timedelta(days=rng.randint(10, 240))
            ends_on = starts_on + datetime.timedelta(days=rng.randint(28, 200))
            seed.enrollments.append(
                (
                    uuid7(),
                    tenant_id,
                    customer_id,
                    rng.choice(COURSES),
                    starts_on,
                    ends_on,
                    rng.randrange(100_000, 800_001, 100),
                    CURRENCY,
                    created,
                )
            )
    return seed


async def copy_seed(connection: asyncpg.Connection, seed: Seed) -> None:
    for table, columns, rows in (
        ("customers", Seed.CUSTOMERS, seed.customers),
        ("education_students", Seed.STUDENTS, seed.students),
        ("payments", Seed.PAYMENTS, seed.payments),
        ("education_enrollments", Seed.ENROLLMENTS, seed.enrollments),
    ):
        await connection.copy_records_to_table(table, records=rows, columns=list(columns))
    await connection.execute(
        "ANALYZE customers; ANALYZE education_students; ANALYZE payments; "
        "ANALYZE education_enrollments"
    )


async def change_facts(
    connection: asyncpg.Connection, tenant_id: uuid.UUID, count: int
) -> list[uuid.UUID]:
    """A big payment and a long current enrolment for `count` students not yet key: each
    then scores 2 for paid and duration, so each becomes key."""
    await connection.execute("SELECT setseed(0.42)")
    rows = await connection.fetch(
        "SELECT customer_id FROM education_students WHERE tenant_id = $1 AND tier <> 'key' "
        "ORDER BY random() LIMIT $2",
        tenant_id,
        count,
    )
    chosen = [row["customer_id"] for row in rows]
    now = datetime.datetime.now(datetime.UTC)
    today = now.date()
    await connection.copy_records_to_table(
        "payments",
        columns=list(Seed.PAYMENTS),
        records=[
            (uuid7(), tenant_id, customer, "payment", 1_000_000, CURRENCY, now, None, now)
            for customer in chosen
        ],
    )
    await connection.copy_records_to_table(
        "education_enrollments",
        columns=list(Seed.ENROLLMENTS),
        records=[
            (
                uuid7(),
                tenant_id,
                customer,
                "Advanced",
                today,
                today + datetime.timedelta(days=240),
                900_000,
                CURRENCY,
                now,
            )
            for customer in chosen
        ],
    )
    return chosen


async def reset_tiers(connection: asyncpg.Connection, tenant_id: uuid.UUID) -> None:
    await connection.execute(
        "UPDATE education_students SET tier = NULL, computed_tier = 'general', "
        "position_level = 0, paid_level = 0, duration_level = 0, evaluated_at = NULL "
        "WHERE tenant_id = $1",
        tenant_id,
    )


async def read_facts(ctx: Any, config: Any) -> int:
    """The baseline: the three set-based queries re-evaluation starts from, nothing else."""
    from core import db
    from core.plugins.facts import CoreFacts
    from plugins.education.repository import EnrollmentRepository, StudentRepository

    async with db.tenant_transaction(ctx.tenant_id):
        students = await StudentRepository(ctx.tenant_id).of_many(None)
        await CoreFacts(ctx).net_paid(config.currency_of(ctx.currency), None)
        await EnrollmentRepository(ctx.tenant_id).periods(None)
    return len(students)


class Pass:
    def __init__(self, name: str, seconds: float, students: int, changes: int) -> None:
        self.name = name
        self.seconds = seconds
        self.students = students
        self.changes = changes
        self.parts: dict[str, float] = {}


class Parts:
    """Seconds spent in the functions `reevaluate` calls, by wrapping them in place."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = defaultdict(float)
        self.labels: list[str] = []  # in call-tree order: a part, then what it calls

    def wrap(self, owner: Any, attribute: str, label: str) -> None:
        original: Callable[..., Any] = getattr(owner, attribute)
        seconds = self.seconds
        self.labels.append(label)
        if asyncio.iscoroutinefunction(original):

            async def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return await original(*args, **kwargs)
                finally:
                    seconds[label] += time.perf_counter() - started

        else:

            def timed(*args: Any, **kwargs: Any) -> Any:
                started = time.perf_counter()
                try:
                    return original(*args, **kwargs)
                finally:
                    seconds[label] += time.perf_counter() - started

        setattr(owner, attribute, timed)

    def install(self) -> None:
        from core import sdk
        from core.plugins.facts import CoreFacts
        from plugins.education import evaluation
        from plugins.education.repository import (
            EnrollmentRepository,
            StudentRepository,
            TierChangeRepository,
        )

        self.wrap(CoreFacts, "customers", "customers (all ids)")
        self.wrap(StudentRepository, "add_missing", "students.add_missing")
        self.wrap(StudentRepository, "of_many", "students.of_many")
        self.wrap(evaluation, "load_facts", "load_facts")
        self.wrap(CoreFacts, "net_paid", "  net_paid")
        self.wrap(EnrollmentRepository, "periods", "  enrolment periods")
        self.wrap(evaluation, "evaluate", "rule (tiering.evaluate, per student)")
        self.wrap(evaluation, "record_changes", "record_changes")
        self.wrap(TierChangeRepository, "insert_many", "  tier-change rows")
        self.wrap(sdk, "enqueue_jobs", "  sync jobs (outbox)")
        self.wrap(sdk, "emit_many", "  tier_changed events (outbox)")

    def take(self) -> dict[str, float]:
        taken = {label: self.seconds.get(label, 0.0) for label in self.labels}
        self.seconds.clear()
        return taken


async def run(
    cluster: PostgresCluster, count: int, breakdown: bool, profile: bool
) -> dict[str, Any]:
    from core import db
    from core.jobs.context import job_context
    from core.plugins.host import PluginHost
    from core.plugins.loader import discover
    from core.plugins.service import PluginService
    from plugins.education.evaluation import reevaluate
    from tenants.provisioning import create_tenant, owner_context, tenant_by_slug
    from tenants.schemas import SignupIn

    await db.start()
    host = PluginHost(discover(["education"]))
    await create_tenant(
        SignupIn(name="bench", slug="bench", admin_email="o@bench.example.com", currency=CURRENCY)
    )
    owner = await owner_context(await tenant_by_slug("bench"))
    await PluginService(owner, host).enable("education", {})
    tenant = await job_context(host, owner.tenant_id, owner.user_id)
    assert tenant is not None and "education" in tenant.plugins, "education is not enabled"
    ctx = host.bind(tenant, "education")
    config = ctx.config

    superuser_dsn = cluster.superuser_dsn.rsplit("/", 1)[0] + "/" + APP_DATABASE
    seeder = await asyncpg.connect(superuser_dsn)
    rng = random.Random(SEED)
    started = time.perf_counter()
    seed = make_seed(ctx.tenant_id, count, rng)
    generated = time.perf_counter() - started
    await copy_seed(seeder, seed)
    seeded = time.perf_counter() - started
    sizes = {
        "customers": len(seed.customers),
        "payments": len(seed.payments),
        "refunds": sum(1 for row in seed.payments if row[3] == "refund"),
        "enrolments": len(seed.enrollments),
    }
    del seed

    await read_facts(ctx, config)  # warm-up: caches, pool, Piccolo
    baselines = []
    for _ in range(3):
        started = time.perf_counter()
        read = await read_facts(ctx, config)
        baselines.append(time.perf_counter() - started)
        assert read == count, f"read {read} students, seeded {count}"

    parts = Parts()
    if breakdown:
        parts.install()

    async def measured(name: str) -> Pass:
        parts.take()
        started = time.perf_counter()
        changes = await reevaluate(ctx, None, "benchmark")
        done = Pass(name, time.perf_counter() - started, count, len(changes))
        done.parts = parts.take()
        return done

    passes = [await measured("pass 1: first, every tier null")]
    tiers = {
        row["tier"]: row["count"]
        for row in await seeder.fetch(
            "SELECT tier, count(*) FROM education_students WHERE tenant_id = $1 GROUP BY tier",
            ctx.tenant_id,
        )
    }
    passes.append(await measured("pass 2: nothing changed"))
    chosen = await change_facts(seeder, ctx.tenant_id, round(count * CHANGED_SHARE))
    passes.append(await measured(f"pass 3: facts changed for {len(chosen):,}"))
    recorded = {
        "tier changes": await seeder.fetchval(
            "SELECT count(*) FROM education_tier_changes WHERE tenant_id = $1", ctx.tenant_id
        ),
        "sync jobs": await seeder.fetchval(
            "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND type = $2",
            ctx.tenant_id,
            "job:education.sync_services",
        ),
        "tier_changed events": await seeder.fetchval(
            "SELECT count(*) FROM outbox_events WHERE tenant_id = $1 AND type = $2",
            ctx.tenant_id,
            "education.tier_changed",
        ),
    }
    profiled = None
    if profile:
        await reset_tiers(seeder, ctx.tenant_id)
        profiler = cProfile.Profile()
        profiler.enable()
        started = time.perf_counter()
        changes = await reevaluate(ctx, None, "benchmark (profiled)")
        elapsed = time.perf_counter() - started
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs()
        stats.sort_stats("cumulative").print_stats(35)
        stats.sort_stats("tottime").print_stats(25)
        profiled = (elapsed, len(changes), out.getvalue())
    await seeder.close()
    await db.stop()
    return {
        "generated": generated,
        "seeded": seeded,
        "sizes": sizes,
        "baselines": baselines,
        "passes": passes,
        "tiers": tiers,
        "recorded": recorded,
        "profiled": profiled,
    }


def report(count: int, result: dict[str, Any]) -> None:
    sizes = result["sizes"]
    print(f"Education re-evaluation on PostgreSQL: {count:,} students, one tenant")
    print(
        f"  seeded: {sizes['customers']:,} customers/students, {sizes['payments']:,} payments "
        f"({sizes['refunds']:,} refunds), {sizes['enrolments']:,} enrolments "
        f"in {result['seeded']:.1f} s ({result['generated']:.1f} s generating)"
    )
    tiers = result["tiers"]
    mix = ", ".join(f"{tier}: {tiers.get(tier, 0):,}" for tier in ("key", "attention", "general"))
    print(f"  tiers after pass 1: {mix}")
    baseline = statistics.median(result["baselines"])
    rounds = ", ".join(f"{x:.2f}" for x in result["baselines"])
    print(
        f"  baseline (read facts: 3 queries): {baseline:6.2f} s  "
        f"{count / baseline:9,.0f} students/s  (rounds: {rounds})"
    )
    for item in result["passes"]:
        print(
            f"  {item.name:<36} {item.seconds:6.2f} s  {item.students / item.seconds:9,.0f} "
            f"students/s  {item.changes:7,} changes  {item.seconds / baseline:5.1f}× baseline"
        )
    for item in result["passes"]:
        if not item.parts:
            continue
        print(f"  {item.name}, by part:")
        top = [label for label in item.parts if not label.startswith(" ")]
        rest = item.seconds - sum(item.parts[label] for label in top)
        for label, seconds in [*item.parts.items(), ("rest: compare, UPDATEs, commit", rest)]:
            print(f"    {label:<36} {seconds:6.2f} s  {seconds / item.seconds:6.1%}")
    recorded = ", ".join(f"{name}: {value:,}" for name, value in result["recorded"].items())
    print(f"  recorded in all: {recorded}")
    worst = max(result["passes"], key=lambda item: item.seconds)
    scaled = worst.seconds * TARGET_STUDENTS / count
    verdict = "PASS" if scaled <= TARGET_SECONDS else "FAIL"
    per = "" if count == TARGET_STUDENTS else f" (≈ {scaled:.2f} s per {TARGET_STUDENTS:,})"
    print(
        f"  {verdict}: slowest full re-evaluation {worst.seconds:.2f} s{per} "
        f"[{worst.name}]; target ≤ {TARGET_SECONDS:.0f} s for {TARGET_STUDENTS:,} students"
    )
    if result["profiled"] is not None:
        elapsed, changes, text = result["profiled"]
        print(f"\nProfiled re-run of pass 1 (tiers reset): {elapsed:.2f} s, {changes:,} changes")
        print(text)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=STUDENTS)
    parser.add_argument(
        "--breakdown", action="store_true", help="time the parts of each re-evaluation"
    )
    parser.add_argument(
        "--profile", action="store_true", help="re-run pass 1 under cProfile and print it"
    )
    args = parser.parse_args()
    with PostgresCluster() as cluster:
        os.environ.update(
            PATRON_DATABASE_URL=cluster.app_dsn,
            PICCOLO_CONF="core.piccolo_conf",
            PATRON_SECRET_KEY="bench-" * 8,
            PATRON_PLUGINS="education",
        )
        env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
        subprocess.run(cli_command("migrate"), env=env, check=True, capture_output=True)
        result = asyncio.run(run(cluster, args.students, args.breakdown, args.profile))
    report(args.students, result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
