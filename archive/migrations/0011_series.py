"""Series and their parts: a creator's works read in order (new tables only)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("archive", "0010_work_comment_count"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="Series",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("title", models.CharField(max_length=255)),
                ("summary", models.TextField(blank=True)),
                ("notes", models.TextField(blank=True)),
                ("complete", models.BooleanField(default=False)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "creator",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="series",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name_plural": "series",
                "ordering": ["-updated_at", "-id"],
            },
        ),
        migrations.CreateModel(
            name="SeriesPart",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("position", models.PositiveSmallIntegerField()),
                (
                    "series",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="parts",
                        to="archive.series",
                    ),
                ),
                (
                    "work",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="series_parts",
                        to="archive.work",
                    ),
                ),
            ],
            options={
                "ordering": ["series", "position"],
            },
        ),
        migrations.AddField(
            model_name="series",
            name="works",
            field=models.ManyToManyField(
                related_name="series", through="archive.SeriesPart", to="archive.work"
            ),
        ),
        migrations.AddConstraint(
            model_name="seriespart",
            constraint=models.UniqueConstraint(
                fields=("series", "position"), name="series_part_position_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="seriespart",
            constraint=models.UniqueConstraint(
                fields=("series", "work"), name="series_part_work_once"
            ),
        ),
        migrations.AddConstraint(
            model_name="seriespart",
            constraint=models.CheckConstraint(
                condition=models.Q(("position__gte", 1)), name="series_part_position_positive"
            ),
        ),
        migrations.AddIndex(
            model_name="series",
            index=models.Index(fields=["creator", "-updated_at"], name="series_creator_idx"),
        ),
    ]
