"""On SQLite, store responses ``WITHOUT ROWID``: rows live in the order of their random UUID
keys, so the table keeps no trace of the order in which responses arrived.

(A normal SQLite table numbers rows 1, 2, 3... as they are inserted.) PostgreSQL's heap has no
such column; ``close_survey`` rewrites the table in key order there (``CLUSTER``).
"""

from django.db import migrations

TABLE = "surveys_response"


def without_rowid(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT sql FROM sqlite_master WHERE type='table' AND name=%s", [TABLE])
        (create,) = cursor.fetchone()
        if "WITHOUT ROWID" in create.upper():
            return
        cursor.execute(
            "SELECT sql FROM sqlite_master WHERE type='index' AND tbl_name=%s AND sql IS NOT NULL",
            [TABLE],
        )
        indexes = [row[0] for row in cursor.fetchall()]
        cursor.execute(create.replace(f'"{TABLE}"', '"surveys_response_new"', 1) + " WITHOUT ROWID")
        cursor.execute(f'INSERT INTO "surveys_response_new" SELECT * FROM "{TABLE}"')
        cursor.execute(f'DROP TABLE "{TABLE}"')
        cursor.execute(f'ALTER TABLE "surveys_response_new" RENAME TO "{TABLE}"')
        for sql in indexes:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]
    operations = [migrations.RunPython(without_rowid, migrations.RunPython.noop)]
