"""HTTP: the education routes, mounted by the plugin host under `/api/v1/plugins/education/`
(404 for tenants that have not enabled it). Reads need `viewer`, writes `agent`, unless a
route names a stronger role."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import delete, get, post, put
from litestar.params import Parameter

from core import sdk
from plugins.education import care, enrollments, reports, students
from plugins.education.context import Ctx
from plugins.education.repository import OverrideRequestRepository, TierChangeRepository
from plugins.education.schemas import (
    DecisionIn,
    Enrollment,
    EnrollmentIn,
    Funnel,
    GreetingsReport,
    OverrideIn,
    OverrideRequest,
    OverrideRequestIn,
    ServiceRun,
    ServiceRunIn,
    Student,
    StudentIn,
    TierChange,
)

SUPERVISOR = {"min_role": sdk.Role.supervisor}


def customer_id_of(raw: str) -> uuid.UUID:
    parsed = sdk.parse_id(raw)
    if parsed is None:
        raise sdk.NotFound("No such customer.")
    return parsed


# -- students ----------------------------------------------------------------------------
@put("/students/{customer_id:str}", operation_id="educationUpdateStudent")
async def update_student(plugin_ctx: Ctx, customer_id: str, data: StudentIn) -> Student:
    """Set a student's position, school stage, intent or lifecycle stage; the tier is
    re-evaluated at once."""
    return await students.update_profile(plugin_ctx, customer_id_of(customer_id), data)


@get("/students/{customer_id:str}", operation_id="educationGetStudent")
async def get_student(plugin_ctx: Ctx, customer_id: str) -> Student:
    return await students.get_student(plugin_ctx, customer_id_of(customer_id))


@get("/students/{customer_id:str}/tier-changes", operation_id="educationListTierChanges")
async def list_tier_changes(plugin_ctx: Ctx, customer_id: str) -> list[TierChange]:
    """Every change of the student's tier in force, newest first."""
    wanted = customer_id_of(customer_id)
    async with sdk.tenant_transaction(plugin_ctx.tenant_id):
        await sdk.require_customer(plugin_ctx, wanted)
        rows = await TierChangeRepository(plugin_ctx.tenant_id).of_customer(wanted)
    return [TierChange(**{f: row[f] for f in TierChange.__struct_fields__}) for row in rows]


# -- enrolments --------------------------------------------------------------------------
@post("/enrollments", operation_id="educationCreateEnrollment")
async def create_enrollment(plugin_ctx: Ctx, data: EnrollmentIn) -> Enrollment:
    """Enrol a customer on a course (`ends_on` is the last day); a renewal reminder task
    falls due the configured days before the end."""
    return await enrollments.create_enrollment(plugin_ctx, data)


@get("/enrollments", operation_id="educationListEnrollments")
async def list_enrollments(
    plugin_ctx: Ctx,
    customer_id: str | None = None,
    limit: sdk.Limit = sdk.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> sdk.Page[Enrollment]:
    """Enrolments, newest first; `customer_id` narrows them to one customer's."""
    wanted = None
    if customer_id is not None:
        wanted = sdk.parse_id(customer_id)
        if wanted is None:
            return sdk.Page(items=[], next_cursor=None)
    return await enrollments.list_enrollments(plugin_ctx, wanted, limit, cursor)


@get("/enrollments/{enrollment_id:str}", operation_id="educationGetEnrollment")
async def get_enrollment(plugin_ctx: Ctx, enrollment_id: str) -> Enrollment:
    return await enrollments.get_enrollment(plugin_ctx, sdk.parse_id(enrollment_id))


@delete(
    "/enrollments/{enrollment_id:str}", operation_id="educationDeleteEnrollment", opt=SUPERVISOR
)
async def delete_enrollment(plugin_ctx: Ctx, enrollment_id: str) -> None:
    await enrollments.delete_enrollment(plugin_ctx, sdk.parse_id(enrollment_id))


# -- overrides ---------------------------------------------------------------------------
@post("/tier-overrides", operation_id="educationSetTierOverride", opt=SUPERVISOR, status_code=200)
async def set_tier_override(plugin_ctx: Ctx, data: OverrideIn) -> Student:
    """Override a student's tier (supervisor and above), or remove the override with
    `tier: null`; both the override and the computed tier are shown."""
    return await students.set_override(plugin_ctx, data.customer_id, data.tier, data.reason)


@post("/tier-override-requests", operation_id="educationRequestTierOverride")
async def request_tier_override(plugin_ctx: Ctx, data: OverrideRequestIn) -> OverrideRequest:
    """Ask for a different tier; a supervisor approves or rejects the request."""
    return await students.request_override(plugin_ctx, data.customer_id, data.tier, data.reason)


@get("/tier-override-requests", operation_id="educationListTierOverrideRequests")
async def list_override_requests(
    plugin_ctx: Ctx,
    status: str | None = Parameter(default=None, pattern="^(pending|approved|rejected)$"),
    limit: sdk.Limit = sdk.DEFAULT_LIMIT,
    cursor: str | None = None,
) -> sdk.Page[OverrideRequest]:
    repo = OverrideRequestRepository(plugin_ctx.tenant_id)
    where = [] if status is None else [repo.table.status == status]
    async with sdk.tenant_transaction(plugin_ctx.tenant_id):
        page = await repo.page(
            *where, limit=limit, cursor=sdk.Cursor.decode(cursor), newest_first=True
        )
    return page.map(students.request_view)


@post(
    "/tier-override-requests/{request_id:str}/approve",
    operation_id="educationApproveTierOverride",
    opt=SUPERVISOR,
    status_code=200,
)
async def approve_override(plugin_ctx: Ctx, request_id: str, data: DecisionIn) -> OverrideRequest:
    return await students.decide(plugin_ctx, sdk.parse_id(request_id), True, data.note)


@post(
    "/tier-override-requests/{request_id:str}/reject",
    operation_id="educationRejectTierOverride",
    opt=SUPERVISOR,
    status_code=200,
)
async def reject_override(plugin_ctx: Ctx, request_id: str, data: DecisionIn) -> OverrideRequest:
    return await students.decide(plugin_ctx, sdk.parse_id(request_id), False, data.note)


# -- services run on request, reports ----------------------------------------------------
@post(
    "/services/{service_name:str}/runs",
    operation_id="educationRunService",
    opt=SUPERVISOR,
    status_code=202,
)
async def run_service(plugin_ctx: Ctx, service_name: str, data: ServiceRunIn) -> ServiceRun:
    """Start a service of recurrence "on request" (e.g. the appreciation-event invitation)
    for every student whose tier earns it: a task each, created in the background."""
    found = plugin_ctx.config.service(service_name)
    if found is None or found.occasion != "request":
        raise sdk.NotFound("No such service run on request in this tenant's config.")
    run_id = sdk.uuid7()
    count = await care.start_request(plugin_ctx, found, run_id, data.title, data.due_at)
    return ServiceRun(run_id=run_id, service=found.name, students=count)


@get("/reports/greetings", operation_id="educationGreetingsReport", opt=SUPERVISOR)
async def greetings_report(
    plugin_ctx: Ctx, month: str = Parameter(max_length=7)
) -> GreetingsReport:
    """Greetings (birthdays, holidays) queued in a month (`YYYY-MM`, tenant time), by
    occasion and by outcome."""
    return await reports.greetings_report(plugin_ctx, month)


@get("/funnel", operation_id="educationFunnel", opt=SUPERVISOR)
async def funnel(
    plugin_ctx: Ctx,
    start: Annotated[sdk.Day, Parameter(query="from")],
    end: Annotated[sdk.Day, Parameter(query="to")],
) -> Funnel:
    """Conversion (lead → enrolled) and renewal rates for a period of tenant-local dates,
    overall, by source channel and by intent."""
    return await reports.funnel(plugin_ctx, sdk.plain(start), sdk.plain(end))


ROUTES = [
    update_student,
    get_student,
    list_tier_changes,
    create_enrollment,
    list_enrollments,
    get_enrollment,
    delete_enrollment,
    set_tier_override,
    request_tier_override,
    list_override_requests,
    approve_override,
    reject_override,
    run_service,
    greetings_report,
    funnel,
]
