"""The credential lookup as one statement: `patron_credential(key_hash)`.

It finds the unrevoked key and its tenant, makes that tenant the transaction's
`app.tenant_id` (`set_config(..., true)`: the statement's own transaction when called
outside one) and reads the key's user under row-level security, so authentication is
one round trip. SECURITY INVOKER: it runs as the application's role, RLS applies.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager

from core.migration_steps import _is_postgres, _run

ID = "2026-12-03T14:45:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "patron_credential(): key, tenant and user in one statement"

CREDENTIAL_FUNCTION = """
CREATE OR REPLACE FUNCTION patron_credential(p_key_hash text)
RETURNS TABLE (
    key_id uuid, tenant_id uuid, user_id uuid, last_used_at timestamptz,
    status varchar, timezone varchar, currency varchar, country varchar,
    plugins_revision integer, role varchar
)
LANGUAGE plpgsql VOLATILE SECURITY INVOKER AS $$
#variable_conflict use_column
DECLARE
    k record;
BEGIN
    SELECT ak.id, ak.tenant_id, ak.user_id, ak.last_used_at, t.status, t.timezone,
           t.currency, t.country, t.plugins_revision
      INTO k
      FROM api_keys ak JOIN tenants t ON t.id = ak.tenant_id
     WHERE ak.key_hash = p_key_hash AND ak.revoked_at IS NULL;
    IF NOT FOUND THEN
        RETURN;
    END IF;
    PERFORM set_config('app.tenant_id', k.tenant_id::text, true);
    RETURN QUERY SELECT k.id, k.tenant_id, k.user_id, k.last_used_at, k.status, k.timezone,
                        k.currency, k.country, k.plugins_revision,
                        (SELECT u.role FROM users u WHERE u.id = k.user_id);
END
$$
"""


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="patron", description=DESCRIPTION)

    async def create_function():
        if _is_postgres():
            await _run(CREDENTIAL_FUNCTION)

    manager.add_raw(create_function)
    return manager
