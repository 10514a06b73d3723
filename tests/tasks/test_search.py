"""Task search (apps/tasks/search.py): words in any case and form, Russian and English, on
SQLite (stems on the fly) and PostgreSQL (the GIN index); only the collab's tasks."""

import pytest
from django.db import connection
from django.urls import reverse

from apps.tasks import search, services
from apps.tasks.models import Task

pytestmark = pytest.mark.django_db


def found(collab, owner, query) -> set[str]:
    return {t.title for t in search.search(services.visible_tasks(owner, collab), query)}


@pytest.fixture
def tasks(make_task):
    make_task("Подготовить макеты главной страницы", description="Согласовать в студии")
    make_task("Update the pricing pages", description="Numbers from the finance team")
    make_task("Позвонить ЗАКАЗЧИКУ", description="Обсудить сроки")
    make_task("Ёлка в офисе", description="")


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ("макет", {"Подготовить макеты главной страницы"}),
        ("МАКЕТАМИ", {"Подготовить макеты главной страницы"}),
        ("страница", {"Подготовить макеты главной страницы"}),
        ("студии", {"Подготовить макеты главной страницы"}),  # in the description
        ("заказчик", {"Позвонить ЗАКАЗЧИКУ"}),
        ("Заказчика сроки", {"Позвонить ЗАКАЗЧИКУ"}),  # every word, title and description
        ("заказчик макет", set()),
        ("page", {"Update the pricing pages"}),
        ("PRICING", {"Update the pricing pages"}),
        ("елки", {"Ёлка в офисе"}),
        ("", None),
    ],
)
def test_it_finds_words_in_any_case_and_form(collab, owner, tasks, query, titles):
    everything = {t.title for t in Task.objects.filter(collab=collab)}
    assert found(collab, owner, query) == (everything if titles is None else titles)


def test_punctuation_and_quotes_are_not_syntax(collab, owner, tasks):
    for query in ('"', "'; DROP TABLE", "макет*", "-", "OR", "NEAR(", "(", "макет)"):
        found(collab, owner, query)  # no error
    assert found(collab, owner, '"макеты"') == {"Подготовить макеты главной страницы"}


def test_another_collabs_tasks_are_never_found(collab, other_collab, owner, other_owner, tasks):
    services.create_task(
        other_collab, other_owner, title="Макет секретный", responsible_id=other_owner.pk
    )
    assert found(collab, owner, "макет") == {"Подготовить макеты главной страницы"}


def test_the_list_page_searches(client, collab, owner, tasks):
    client.force_login(owner)
    url = reverse("tasks:list", kwargs={"collab_id": collab.pk})
    response = client.get(url, {"q": "Заказчику"})
    assert [t.title for t in response.context["tasks"]] == ["Позвонить ЗАКАЗЧИКУ"]
    assert "Позвонить" in response.content.decode()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL only")
def test_postgresql_can_use_the_gin_index(collab, owner, bulk_tasks):
    """The query's expression is the index's (migration 0002). Within one collab the planner
    may well prefer the collab's index; across all tasks, with scans discouraged, it must
    take this one."""
    bulk_tasks(50)
    qs = search.search(Task.objects.all(), "макет")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = qs.query.sql_with_params()
        # lint: allow fstring-sql -- the ORM's own SQL, its values still parameters
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "tasks_task_search" in plan, plan
