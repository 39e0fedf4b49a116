"""Staff manage readers' accounts in the admin without seeing their private choices."""

import pytest
from django.urls import reverse

from accounts.models import ConsentChoice
from tests.factories import make_reader

pytestmark = pytest.mark.django_db


def test_staff_do_not_see_a_readers_consent_or_display_choices(client_for):
    admin = make_reader("administrator", is_staff=True, is_superuser=True)
    reader = make_reader("private-reader", theme="dark")
    ConsentChoice.objects.create(reader=reader, item="rating:explicit", choice="show")
    response = client_for(admin).get(reverse("admin:accounts_reader_change", args=[reader.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "private-reader" in content
    assert "rating:explicit" not in content
    assert 'name="theme"' not in content
    assert 'name="consent_choices-TOTAL_FORMS"' not in content
