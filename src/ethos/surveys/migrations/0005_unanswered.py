"""Answering deletes an :class:`Unanswered` row instead of setting ``Invitation.responded``
(an update would record answer order, and on PostgreSQL share the response's transaction id;
see ``ethos.surveys.models``)."""

from django.db import migrations, models


def unanswered_rows(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    Unanswered = apps.get_model("surveys", "Unanswered")
    pending = Invitation.objects.filter(responded=False).values_list("pk", flat=True)
    Unanswered.objects.bulk_create(
        (Unanswered(invitation_id=pk) for pk in pending.iterator()), batch_size=1000
    )


def responded_flags(apps, schema_editor):
    Invitation = apps.get_model("surveys", "Invitation")
    Invitation.objects.exclude(unanswered__isnull=False).update(responded=True)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0004_anonymous_for_good")]

    operations = [
        migrations.CreateModel(
            name="Unanswered",
            fields=[
                (
                    "invitation",
                    models.OneToOneField(
                        on_delete=models.deletion.CASCADE,
                        primary_key=True,
                        related_name="unanswered",
                        serialize=False,
                        to="surveys.invitation",
                    ),
                ),
            ],
        ),
        migrations.RunPython(unanswered_rows, responded_flags),
        migrations.RemoveField(model_name="invitation", name="responded"),
    ]
