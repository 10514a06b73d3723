"""The members page's employee directory: searched by name or email."""

import pytest
from django.urls import reverse

from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_the_directory_search_narrows_the_employee_picker(client, collab, owner):
    make_user("anna.k@example.com", "Anna Karenina")
    make_user("boris.g@example.com", "Boris Godunov")
    client.force_login(owner)

    by_name = client.get(reverse("collabs:members", args=[collab.pk]), {"q": "karen"})
    by_email = client.get(reverse("collabs:members", args=[collab.pk]), {"q": "boris.g@"})

    names = [u.full_name for u in by_name.context["add_form"].fields["user"].queryset]
    assert names == ["Anna Karenina"]
    emails = [u.email for u in by_email.context["add_form"].fields["user"].queryset]
    assert emails == ["boris.g@example.com"]
