"""The benchmark data set, loaded in bulk SQL (never through HTTP).

Big tenants each get N customers with a contact, three payments, a task and a tag, and
every installed built-in plugin enabled with the education plugin's rows (an evaluated
student and an enrolment per customer); one more big tenant, `bench-bare`, has no plugin.
Small tenants get a few customers each, with the same plugins enabled. Every tenant has
one owner and one API key `pat_bench_<slug>`. The rows are made by `generate_series` on
the server as the superuser (which bypasses row-level security, as a loader may); the API
then reads them as the ordinary role.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import asyncpg

KEY_PREFIX = "pat_bench_"


@dataclass(frozen=True)
class Shape:
    big_tenants: int = 10
    customers_per_big: int = 10_000
    small_tenants: int = 10_000
    customers_per_small: int = 3


@dataclass
class Tenant:
    slug: str
    key: str
    plugins: bool
    customer_ids: list[str] = field(default_factory=list)


@dataclass
class Loaded:
    big_with_plugins: list[Tenant]
    bare: Tenant
    small: list[Tenant]
    seconds: float
    rows: int


def key_of(slug: str) -> str:
    return KEY_PREFIX + slug.replace("-", "_")


_TENANTS = """
INSERT INTO tenants (id, name, slug, status, plan, plugins_revision)
SELECT gen_random_uuid(), 'Bench ' || s, s, 'active', 'pro', 1
FROM unnest($1::text[]) AS s
"""

_OWNERS = """
INSERT INTO users (id, tenant_id, name, email, role)
SELECT gen_random_uuid(), t.id, 'Owner', 'owner@' || t.slug || '.example.com', 'owner'
FROM tenants t WHERE t.slug = ANY($1::text[])
"""

_KEYS = """
INSERT INTO api_keys (id, tenant_id, user_id, label, key_hash, prefix)
SELECT gen_random_uuid(), u.tenant_id, u.id, 'bench',
       encode(sha256(convert_to($2 || replace(t.slug, '-', '_'), 'UTF8')), 'hex'),
       left($2 || replace(t.slug, '-', '_'), 12)
FROM users u JOIN tenants t ON t.id = u.tenant_id WHERE t.slug = ANY($1::text[])
"""

_PLUGINS = """
INSERT INTO tenant_plugins (id, tenant_id, plugin, enabled, config)
SELECT gen_random_uuid(), t.id, p, true, '{}'
FROM tenants t CROSS JOIN unnest($2::text[]) AS p WHERE t.slug = ANY($1::text[])
"""

_CUSTOMERS = """
INSERT INTO customers (id, tenant_id, kind, name, phone, email, gender, region, source,
                       owner_id, attributes)
SELECT gen_random_uuid(), t.id, 'person', '学员 ' || n,
       '+86138' || lpad(n::text, 8, '0'), 'c' || n || '@' || t.slug || '.example.com',
       CASE WHEN n % 2 = 0 THEN 'female' ELSE 'male' END, 'Shanghai',
       CASE WHEN n % 3 = 0 THEN 'referral' ELSE 'web' END,
       u.id, '{"grade": 3}'
FROM tenants t JOIN users u ON u.tenant_id = t.id
CROSS JOIN generate_series(1, $2::int) AS n
WHERE t.slug = ANY($1::text[])
"""

_PER_CUSTOMER = [
    """INSERT INTO contacts (id, tenant_id, customer_id, name, relation, phone, is_primary)
       SELECT gen_random_uuid(), c.tenant_id, c.id, 'Parent of ' || c.name, 'parent',
              c.phone, true FROM customers c JOIN tenants t ON t.id = c.tenant_id
       WHERE t.slug = ANY($1::text[])""",
    """INSERT INTO customer_tags (id, tenant_id, customer_id, tag)
       SELECT gen_random_uuid(), c.tenant_id, c.id,
              CASE WHEN c.phone LIKE '%0' THEN 'vip' ELSE 'regular' END
       FROM customers c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ANY($1::text[])""",
    """INSERT INTO payments (id, tenant_id, customer_id, kind, amount, currency, occurred_at,
                             recorded_by)
       SELECT gen_random_uuid(), c.tenant_id, c.id, 'payment', 10000 * k, 'CNY',
              now() - make_interval(days => 30 * k), c.owner_id
       FROM customers c JOIN tenants t ON t.id = c.tenant_id
       CROSS JOIN generate_series(1, 3) AS k WHERE t.slug = ANY($1::text[])""",
    """INSERT INTO tasks (id, tenant_id, title, customer_id, assignee_id, due_at, created_by)
       SELECT gen_random_uuid(), c.tenant_id, 'Call ' || c.name, c.id, c.owner_id,
              now() + interval '3 days', c.owner_id
       FROM customers c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ANY($1::text[])""",
]

_EDUCATION = [
    """INSERT INTO education_students (id, tenant_id, customer_id, school_stage, intent,
                                       lifecycle_stage, computed_tier, tier, evaluated_at)
       SELECT gen_random_uuid(), c.tenant_id, c.id, 'primary', 'high', 'enrolled',
              'general', 'general', now()
       FROM customers c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ANY($1::text[])""",
    """INSERT INTO education_enrollments (id, tenant_id, customer_id, course, starts_on,
                                          ends_on, fee, currency)
       SELECT gen_random_uuid(), c.tenant_id, c.id, 'Maths', current_date - 30,
              current_date + 300, 300000, 'CNY'
       FROM customers c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ANY($1::text[])""",
]


# As the enabling re-evaluation leaves them: every customer has a stored level and an
# account (a section then reads one row, as in production; unevaluated customers are the
# rare case that computes on read).
_MEMBERSHIP = [
    """INSERT INTO membership_members (id, tenant_id, customer_id, level, computed_level,
                                       qualified_level, spend, purchases, referrals,
                                       evaluated_at, created_at, updated_at)
       SELECT gen_random_uuid(), c.tenant_id, c.id, 'ordinary', 'ordinary', 'ordinary',
              30000, 3, 0, now(), now(), now()
       FROM customers c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ANY($1::text[])""",
]
_POINTS = [
    """INSERT INTO points_accounts (id, tenant_id, customer_id, balance, owed, created_at,
                                    updated_at)
       SELECT gen_random_uuid(), c.tenant_id, c.id, 0, 0, now(), now()
       FROM customers c JOIN tenants t ON t.id = c.tenant_id WHERE t.slug = ANY($1::text[])""",
]


async def load(superuser_dsn: str, shape: Shape, plugins: list[str]) -> Loaded:
    """Load the data set and return the tenants, their keys and sample customer ids."""
    started = time.monotonic()
    with_plugins = [f"bench-big-{i}" for i in range(shape.big_tenants)]
    bare = ["bench-bare"]
    big = with_plugins + bare
    small = [f"bench-small-{i:05d}" for i in range(shape.small_tenants)]
    plugged = with_plugins + small
    conn = await asyncpg.connect(superuser_dsn)
    try:
        async with conn.transaction():
            await conn.execute("SET LOCAL synchronous_commit = off")
            everyone = big + small
            await conn.execute(_TENANTS, everyone)
            await conn.execute(_OWNERS, everyone)
            await conn.execute(_KEYS, everyone, KEY_PREFIX)
            if plugins:
                await conn.execute(_PLUGINS, plugged, plugins)
            await conn.execute(_CUSTOMERS, big, shape.customers_per_big)
            await conn.execute(_CUSTOMERS, small, shape.customers_per_small)
            for statement in _PER_CUSTOMER:
                await conn.execute(statement, everyone)
            for plugin, statements in (
                ("education", _EDUCATION),
                ("membership", _MEMBERSHIP),
                ("points", _POINTS),
            ):
                if plugin in plugins:
                    for statement in statements:
                        await conn.execute(statement, plugged)
        await conn.execute("ANALYZE")
        rows = await conn.fetchval(
            "SELECT sum(n_live_tup) FROM pg_stat_user_tables WHERE schemaname = 'public'"
        )
        samples = await conn.fetch(
            """SELECT t.slug, (array_agg(c.id::text ORDER BY c.id))[1:200] AS ids
               FROM tenants t JOIN customers c ON c.tenant_id = t.id
               WHERE t.slug LIKE 'bench-%' GROUP BY t.slug"""
        )
    finally:
        await conn.close()
    ids = {row["slug"]: row["ids"] for row in samples}

    def tenants(slugs: list[str], plugins_on: bool) -> list[Tenant]:
        return [Tenant(s, key_of(s), plugins_on, ids.get(s, [])) for s in slugs]

    return Loaded(
        big_with_plugins=tenants(with_plugins, True),
        bare=tenants(bare, False)[0],
        small=tenants(small, True),
        seconds=time.monotonic() - started,
        rows=int(rows or 0),
    )
