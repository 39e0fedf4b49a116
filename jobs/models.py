from django.db import models


class FailedJob(models.Model):
    """A job that failed on its last try: kept so staff can see what never happened."""

    task = models.CharField(max_length=200)
    task_id = models.CharField(max_length=64, unique=True)
    arguments = models.TextField(blank=True)
    error = models.CharField(max_length=200)
    detail = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField()
    failed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-failed_at"]

    def __str__(self):
        return f"{self.task} ({self.error})"
