"""On SQLite, store ratings ``WITHOUT ROWID``: rows live in the order of their random UUID keys,
so the table keeps no trace of the order in which ratings arrived (which, beside the order in
which invitations were marked used, could tell who gave which rating).

PostgreSQL's heap has no such column; ``close_cycle`` rewrites the table in key order there
(``CLUSTER``). The same as ``surveys.0002_responses_without_rowid``.
"""

from django.db import migrations

TABLE = "feedback_rating"


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
        new = f"{TABLE}_new"
        cursor.execute(create.replace(f'"{TABLE}"', f'"{new}"', 1) + " WITHOUT ROWID")
        cursor.execute(f'INSERT INTO "{new}" SELECT * FROM "{TABLE}"')
        cursor.execute(f'DROP TABLE "{TABLE}"')
        cursor.execute(f'ALTER TABLE "{new}" RENAME TO "{TABLE}"')
        for sql in indexes:
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_initial")]
    operations = [migrations.RunPython(without_rowid, migrations.RunPython.noop)]
