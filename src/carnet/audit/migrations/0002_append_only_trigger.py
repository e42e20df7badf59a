"""The database itself refuses UPDATE and DELETE on the audit log, on SQLite and PostgreSQL alike.

On PostgreSQL, deployments should also run the application as a role without UPDATE
and DELETE on this table (docs/operations.md); the trigger holds even for the owner.
"""

from django.db import migrations

SQLITE_UP = [
    "CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_auditentry BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
    "CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_auditentry BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS audit_entry_no_update;", "DROP TRIGGER IF EXISTS audit_entry_no_delete;"]
PG_UP = [
    """CREATE OR REPLACE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$;""",
    "CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_auditentry FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();",
    "CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_auditentry FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_append_only();",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS audit_entry_no_truncate ON audit_auditentry;",
    "DROP TRIGGER IF EXISTS audit_entry_append_only ON audit_auditentry;",
    "DROP FUNCTION IF EXISTS audit_entry_append_only();",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_initial")]
    operations = [
        migrations.RunPython(_run({"sqlite": SQLITE_UP, "postgresql": PG_UP}), _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}))
    ]
