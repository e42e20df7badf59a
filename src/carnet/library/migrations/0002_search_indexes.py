"""The full-text indexes, which differ by database (docs/decisions/0010).

PostgreSQL: a GIN index on ``library_searchdocument.vector`` (built per row with the
language's text-search configuration). SQLite: an FTS5 table whose rowid is the search
document's id and whose columns hold the snowball stems of the same text.
"""

from django.db import migrations

FTS5 = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS library_search_fts USING fts5("
    "title, summary, body, file_text, tokenize = 'unicode61 remove_diacritics 2')"
)


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("CREATE INDEX IF NOT EXISTS library_search_vector_gin ON library_searchdocument USING GIN (vector)")
    elif vendor == "sqlite":
        schema_editor.execute(FTS5)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS library_search_vector_gin")
    elif vendor == "sqlite":
        schema_editor.execute("DROP TABLE IF EXISTS library_search_fts")


class Migration(migrations.Migration):
    dependencies = [("library", "0001_library")]
    operations = [migrations.RunPython(create, drop)]
