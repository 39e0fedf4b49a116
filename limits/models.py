from django.db import models


class RateCount(models.Model):
    """How many requests one client made in one window of one limit: django-ratelimit's
    count, kept by limits.cache.RateCountCache."""

    # django-ratelimit's key: the limit, the client and the window, hashed.
    key = models.CharField(max_length=250)
    count = models.IntegerField(default=0)
    # Each new window purges the oldest expired rows, by this index.
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key"], name="ratecount_one_per_key")]

    def __str__(self):
        return f"{self.key}: {self.count}"
