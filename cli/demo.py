"""The demo tenant: an education company with a few customers, contacts, tasks and payments,
and every built-in plugin that is installed enabled with its defaults — education with a
key, an attention and a general student (profiles, payments, enrolments), so that the
tiers, their service tasks and the funnel show from the first request."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from rich.console import Console
from rich.panel import Panel

from core import db
from core.crypto import FieldCipher
from core.domain.contacts.schemas import ContactCreate
from core.domain.contacts.service import ContactService
from core.domain.customers.schemas import CustomerCreate
from core.domain.customers.service import CustomerService
from core.domain.interactions.schemas import InteractionCreate
from core.domain.interactions.service import InteractionService
from core.domain.payments.schemas import PaymentCreate
from core.domain.payments.service import PaymentService
from core.domain.tasks.schemas import TaskCreate
from core.domain.tasks.service import TaskService
from core.domain.types import convert
from core.plugins.host import PluginHost
from core.plugins.loader import discover
from core.plugins.service import PluginService
from core.settings import Settings
from core.tenancy.context import TenantContext
from tenants.provisioning import create_tenant, owner_context, tenant_by_slug
from tenants.schemas import SignupIn
from tenants.staff import issue_key

DEMO_SLUG = "demo"
SAMPLE_CUSTOMER = '{"name": "张伟", "phone": "13812345678"}'

CUSTOMERS: list[dict[str, Any]] = [
    {
        "name": "王小明",
        "phone": "13800138000",
        "gender": "male",
        "birthday": "2008-03-14",
        "source": "enrolment event",
        "tags": ["high-school", "vip"],
        "contacts": [
            {"name": "王建国", "relation": "father", "phone": "13900139000", "is_primary": True}
        ],
        "payments": [860000, 120000],
    },
    {
        "name": "李娜",
        "phone": "+86 137 0013 7000",
        "email": "lina@example.com",
        "gender": "female",
        "source": "website message",
        "tags": ["adult"],
        "payments": [450000],
    },
    {
        "name": "Chen Wei",
        "email": "chen.wei@example.com",
        "source": "partner referral",
        "tags": ["online"],
        "payments": [],
    },
    {
        "kind": "organization",
        "name": "星光中学",
        "phone": "010-6552 8888",
        "source": "hotline",
        "tags": ["school"],
        "contacts": [
            {"name": "赵老师", "relation": "head teacher", "email": "zhao@school.example"}
        ],
        "payments": [2000000],
    },
]


def _convert(data: dict[str, Any], schema: type[Any]) -> Any:
    # `convert` knows the bounded time types (`Instant`, `Day`) of request bodies.
    return convert(data, schema)


# Built-in plugins the demo enables (defaults) when installed and allowed; the others
# (complaints, broadcast, …) are for other industries than the demo's school.
DEMO_PLUGINS = ("education", "points", "membership", "care")

# Education profiles and enrolments (days from today) of the sample customers: 王小明 is
# key (a senior, 9800.00 paid, a 6-month course), 李娜 attention (public sector, 4500.00 paid,
# a 4-month course whose renewal window is open), Chen Wei general (a course starting next
# week). 星光中学 is an organisation: never a student.
STUDENTS: dict[str, dict[str, Any]] = {
    "王小明": {
        "profile": {"position": "senior", "school_stage": "high_school", "intent": "high"},
        "courses": [("雅思冲刺", -60, 120, 860000)],
    },
    "李娜": {
        "profile": {"position": "public_sector", "school_stage": "adult", "intent": "medium"},
        "courses": [("商务英语", -100, 20, 450000)],
    },
    "Chen Wei": {
        "profile": {"position": "other", "school_stage": "adult", "intent": "low"},
        "courses": [("Online Chinese", 7, 67, 0)],
    },
}


async def _enable_plugins(ctx: TenantContext, customers: dict[str, Any]) -> None:
    """Every built-in plugin of `DEMO_PLUGINS` that is installed, enabled with its defaults
    through the same service as `PUT /api/v1/plugins/{name}`; then education's students."""
    host = PluginHost(discover(Settings.from_env().plugins_allowlist))
    for name in DEMO_PLUGINS:
        if name in host.descriptors:
            await PluginService(ctx, host).enable(name, {})
    if "education" in host.descriptors:
        await _education(ctx, host, customers)


async def _education(ctx: TenantContext, host: PluginHost, customers: dict[str, Any]) -> None:
    from plugins.education import enrollments, lifecycle, students
    from plugins.education.schemas import EnrollmentIn, StudentIn

    descriptor = host.descriptors["education"]
    owner = msgspec.structs.replace(ctx, plugins={"education": descriptor.parse_config({})})
    bound = host.bind(owner, "education")
    today = datetime.datetime.now(ZoneInfo(ctx.timezone)).date()
    for name, sample in STUDENTS.items():
        customer_id = customers[name]
        for course, start, end, fee in sample["courses"]:
            data = {
                "customer_id": str(customer_id),
                "course": course,
                "starts_on": (today + datetime.timedelta(days=start)).isoformat(),
                "ends_on": (today + datetime.timedelta(days=end)).isoformat(),
                "fee": fee,
            }
            await enrollments.create_enrollment(bound, _convert(data, EnrollmentIn))
        await students.update_profile(bound, customer_id, _convert(sample["profile"], StudentIn))
    await lifecycle.daily_lifecycle(bound)  # learning, renewal due: as the schedule would


async def _populate(ctx: TenantContext) -> None:
    cipher = FieldCipher(Settings.from_env().secret_key)
    customers = CustomerService(ctx, cipher)
    tomorrow = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=1)
    made: dict[str, Any] = {}
    for sample in CUSTOMERS:
        fields = {k: v for k, v in sample.items() if k not in ("contacts", "payments")}
        customer = await customers.create(_convert(fields, CustomerCreate))
        made[customer.name] = customer.id
        for contact in sample.get("contacts", []):
            await ContactService(ctx).create(customer.id, _convert(contact, ContactCreate))
        for amount in sample["payments"]:
            await PaymentService(ctx).record(
                _convert(
                    {
                        "customer_id": str(customer.id),
                        "amount": amount,
                        "kind": "payment",
                        "reference": "demo",
                    },
                    PaymentCreate,
                )
            )
        await InteractionService(ctx).create(
            customer.id,
            _convert(
                {
                    "channel": "phone",
                    "direction": "outbound",
                    "summary": f"Welcome call to {customer.name}",
                },
                InteractionCreate,
            ),
        )
        await TaskService(ctx).create(
            _convert(
                {
                    "title": f"Follow up with {customer.name}",
                    "kind": "callback",
                    "customer_id": str(customer.id),
                    "assignee_id": str(ctx.user_id),
                    "due_at": tomorrow.isoformat(),
                },
                TaskCreate,
            )
        )
    await _enable_plugins(ctx, made)


async def create_demo() -> dict[str, Any]:
    """Create the demo tenant on first use; always return a fresh owner key."""
    tenant = await tenant_by_slug(DEMO_SLUG)
    if tenant is None:
        created = await create_tenant(
            SignupIn(
                name="Demo Academy",
                slug=DEMO_SLUG,
                admin_email="owner@demo.example.com",
                admin_name="Demo Owner",
            )
        )
        tenant = await tenant_by_slug(DEMO_SLUG)
        assert tenant is not None
        await _populate(await owner_context(tenant))
        key = created.api_key
    else:
        ctx = await owner_context(tenant)
        async with db.tenant_transaction(ctx.tenant_id, write=True):
            key = (await issue_key(ctx.tenant_id, ctx.user_id, "demo")).key
    return {
        "tenant": {"id": str(tenant["id"]), "slug": DEMO_SLUG, "name": tenant["name"]},
        "api_key": key,
    }


def print_demo(result: dict[str, Any], base_url: str) -> None:
    key = result["api_key"]
    console = Console()
    console.print(
        Panel.fit(
            f"Demo tenant [bold]{result['tenant']['name']}[/bold] ({result['tenant']['slug']})\n"
            f"API key: [bold green]{key}[/bold green]\n"
            f"API reference: {base_url}/schema",
            title="Patron demo",
            border_style="cyan",
        )
    )
    # Plain, unwrapped lines: they must survive copy and paste.
    auth = f"-H 'Authorization: Bearer {key}'"
    console.print("Try:", highlight=False)
    console.print(f"  curl -s {base_url}/api/v1/customers {auth}", soft_wrap=True, highlight=False)
    console.print(
        f"  curl -s -X POST {base_url}/api/v1/customers {auth} "
        f"-H 'Content-Type: application/json' -d '{SAMPLE_CUSTOMER}'",
        soft_wrap=True,
        highlight=False,
        markup=False,
    )
