"""Responses: drop the single-column index on ``survey_id``.

The ``(survey, unit)`` index already serves every lookup by survey (its leading column), so
the single-column index that Django makes for a foreign key only cost every submission one
more page written at commit. Done as SQL, with the field's ``db_index`` changed in the
migration state only: on SQLite an ``AlterField`` rebuilds the table, which would lose
``WITHOUT ROWID`` (migration 0002).
"""

from django.db import migrations, models

INDEX = "surveys_response_survey_id_907701cf"


class Migration(migrations.Migration):
    dependencies = [("surveys", "0006_mixing_pool")]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    f'DROP INDEX IF EXISTS "{INDEX}"',
                    f'CREATE INDEX "{INDEX}" ON "surveys_response" ("survey_id")',
                )
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="response",
                    name="survey",
                    field=models.ForeignKey(
                        db_index=False,
                        on_delete=models.deletion.PROTECT,
                        related_name="responses",
                        to="surveys.survey",
                    ),
                )
            ],
        )
    ]
