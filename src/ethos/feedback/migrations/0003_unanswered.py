"""Rating deletes an :class:`Unanswered` row instead of setting ``RaterInvite.responded`` (on
PostgreSQL an update shares the rating's transaction id; see ``ethos.feedback.models``)."""

from django.db import migrations, models


def unanswered_rows(apps, schema_editor):
    RaterInvite = apps.get_model("feedback", "RaterInvite")
    Unanswered = apps.get_model("feedback", "Unanswered")
    pending = RaterInvite.objects.filter(responded=False).values_list("pk", flat=True)
    Unanswered.objects.bulk_create(
        (Unanswered(invite_id=pk) for pk in pending.iterator()), batch_size=1000
    )


def responded_flags(apps, schema_editor):
    RaterInvite = apps.get_model("feedback", "RaterInvite")
    RaterInvite.objects.exclude(unanswered__isnull=False).update(responded=True)


class Migration(migrations.Migration):
    dependencies = [("feedback", "0002_ratings_without_rowid")]

    operations = [
        migrations.CreateModel(
            name="Unanswered",
            fields=[
                (
                    "invite",
                    models.OneToOneField(
                        on_delete=models.deletion.CASCADE,
                        primary_key=True,
                        related_name="unanswered",
                        serialize=False,
                        to="feedback.raterinvite",
                    ),
                ),
            ],
        ),
        migrations.RunPython(unanswered_rows, responded_flags),
        migrations.RemoveField(model_name="raterinvite", name="responded"),
    ]
