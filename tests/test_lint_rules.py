"""The project's lint rules (lint/rules.py): each fails on a planted violation, lets the look-alikes
through, honours its allowances and markers; and the repository itself is clean."""

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from lint import rules

ROOT = Path(__file__).resolve().parent.parent


def found(tmp_path: Path, files: dict[str, str]) -> list[tuple[str, int, str]]:
    """Plant the files in an empty tree and check it: (path, line, rule) of each finding."""
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"))
    return [(v.path, v.line, v.rule) for v in rules.check_tree(tmp_path)]


# --- each rule fails on a planted violation --------------------------------------------------

PLANTED = {
    "message-query": {
        "apps/tasks/views.py": """
            from apps.chat.models import Message

            def pinned(collab):
                return Message.objects.filter(collab=collab, pinned_at__isnull=False)
        """,
    },
    "role-strings": {
        "apps/tasks/services.py": """
            def may_close(membership):
                return membership.role == "owner"
        """,
    },
    "writes-in-views": {
        "apps/tasks/views.py": """
            def close(request, task):
                task.done = True
                task.save()
        """,
    },
    "fstring-sql": {
        "apps/tasks/services.py": """
            from django.db import connection

            def titles(collab_id):
                with connection.cursor() as cursor:
                    cursor.execute(f"SELECT title FROM tasks_task WHERE collab_id = {collab_id}")
                    return cursor.fetchall()
        """,
    },
}


def test_every_rule_has_a_planted_violation():
    assert {rule.name for rule in rules.RULES} == set(PLANTED)


@pytest.mark.parametrize("rule", sorted(PLANTED))
def test_a_planted_violation_is_reported(tmp_path, rule):
    findings = found(tmp_path, PLANTED[rule])
    assert [f[2] for f in findings] == [rule]


@pytest.mark.parametrize(
    "code",
    [
        "Message.objects.create(collab=collab, body=body)",
        "Message._default_manager.all()",
        "collab.messages.filter(author=user)",
        "user.messages.count()",
    ],
)
def test_message_query_by_hand(tmp_path, code):
    files = {"apps/calls/services.py": f"from apps.chat.models import Message\n\n{code}\n"}
    assert found(tmp_path, files) == [("apps/calls/services.py", 3, "message-query")]


def test_message_query_through_an_alias(tmp_path):
    files = {"apps/calls/receivers.py": "from apps.chat.models import Message as M\n\nM.objects\n"}
    assert [f[2] for f in found(tmp_path, files)] == ["message-query"]


@pytest.mark.parametrize(
    "code",
    [
        'membership.role != "guest"',
        'm.role in ("owner", "moderator")',
        '"moderator" == role',
        'Membership.objects.filter(role="owner")',
        'Membership.objects.filter(membership__role__in=["member", "guest"])',
        'membership.role = "member"',
        'Membership(**{"role": "guest"})',
        'NAMES = {"owner": "Owner", "moderator": "Moderator"}',
    ],
)
def test_role_strings(tmp_path, code):
    files = {"apps/calendar/access.py": f"{code}\n"}
    assert found(tmp_path, files) == [("apps/calendar/access.py", 1, "role-strings")]


def test_role_strings_in_a_template(tmp_path):
    files = {
        "templates/tasks/list.html": """
            <ul>
            {% for m in members %}{% if m.role == 'owner' %}<b>{{ m }}</b>{% endif %}{% endfor %}
            {% if x %}{% elif "guest" in m.user.kind %}{% endif %}
            </ul>
        """,
    }
    assert found(tmp_path, files) == [
        ("templates/tasks/list.html", 2, "role-strings"),
        ("templates/tasks/list.html", 3, "role-strings"),
    ]


@pytest.mark.parametrize(
    "code",
    [
        "form.save()",
        "Task.objects.filter(pk=pk).update(done=True)",
        "Task.objects.filter(pk=pk).delete()",
        "Task.objects.create(title=title)",
        "collab.tasks.get_or_create(title=title)",
        "Reaction.objects.update_or_create(user=user, defaults={})",
        "Mention.objects.bulk_create(rows)",
        "task.save(update_fields=['done'])",
    ],
)
def test_writes_in_views_and_consumers(tmp_path, code):
    files = {
        "apps/tasks/views.py": f"def view(request):\n    {code}\n",
        "apps/tasks/consumers.py": f"async def receive(self):\n    {code}\n",
        "apps/tasks/views/detail.py": f"def view(request):\n    {code}\n",
    }
    assert found(tmp_path, files) == [
        ("apps/tasks/consumers.py", 2, "writes-in-views"),
        ("apps/tasks/views.py", 2, "writes-in-views"),
        ("apps/tasks/views/detail.py", 2, "writes-in-views"),
    ]


@pytest.mark.parametrize(
    "code",
    [
        'cursor.execute("SELECT 1 FROM t WHERE id = " + str(pk))',
        'cursor.execute("SELECT 1 FROM t WHERE id = %s" % pk)',
        'cursor.execute("SELECT 1 FROM t WHERE id = {}".format(pk))',
        'cursor.executemany(f"INSERT INTO {table} VALUES (%s)", rows)',
        "Task.objects.raw(f\"SELECT * FROM tasks_task WHERE title = '{title}'\")",
        'Task.objects.annotate(n=RawSQL(f"SELECT {column}", []))',
        "Task.objects.extra(where=[f\"title = '{title}'\"])",
        'migrations.RunSQL("DROP TABLE " + name)',
    ],
)
def test_sql_built_by_formatting(tmp_path, code):
    assert found(tmp_path, {"bench/load.py": f"{code}\n"}) == [("bench/load.py", 1, "fstring-sql")]


def test_sql_built_into_a_name_is_found_at_the_name(tmp_path):
    files = {
        "apps/files/services.py": """
            SQL = (
                "SELECT id FROM files_file "
                f"WHERE folder_id = {FOLDER}"
            )

            def run(cursor):
                cursor.execute(SQL)
        """,
    }
    assert found(tmp_path, files) == [("apps/files/services.py", 1, "fstring-sql")]


# --- the look-alikes pass -------------------------------------------------------------------


def test_what_only_looks_like_a_violation_passes(tmp_path):
    files = {
        # The access module reads messages; exc.messages and a page's messages are lists.
        "apps/chat/access.py": "Message.objects.filter(collab=collab)\n",
        "apps/chat/views.py": """
            def view(request, exc, window):
                errors = " ".join(exc.messages)
                first = window.messages[0]
                ctx = {}
                ctx.update(extra)
                request.session["draft"] = {"body": ""}
                request.session.save()
                del request.session["draft"]
                name = default_storage.save("probe.txt", content)
                default_storage.delete(name)
                cache.delete("key")
                if kind == "members" or event["kind"] == "invited":
                    return {"guest": user, "role": Role.OWNER}
                return membership.role == Role.OWNER
        """,
        "templates/collabs/x.html": (
            '{% if m.is_owner %}owner{% endif %} <span role="alert">guest</span>\n'
            "{% if value == m.role %} selected{% endif %}\n"
        ),
        # Parameters, and SQL text that is one literal.
        "apps/core/views.py": """
            cursor.execute("SELECT 1")
            cursor.execute("SELECT title FROM tasks_task WHERE id = %s", [pk])
            cursor.execute(
                "SELECT title FROM tasks_task"
                " WHERE id = %s",
                [pk],
            )
            Task.objects.raw("SELECT * FROM tasks_task WHERE title = %s", [title])
        """,
        # Tests and benchmarks set up data by hand.
        "tests/chat/test_x.py": (
            'Message.objects.create(body="x")\nassert membership.role == "owner"\n'
        ),
    }
    assert found(tmp_path, files) == []


def test_allowances_and_exclusions(tmp_path):
    files = {
        "apps/chat/services.py": "Message.objects.create(collab=collab)\n",
        "apps/collabs/permissions.py": 'm.role == "owner"\n',
        "apps/collabs/models.py": 'OWNER = "owner"\nm.role == "owner"\n',
        "apps/collabs/migrations/0009_roles.py": 'Membership.objects.filter(role="guest")\n',
    }
    assert found(tmp_path, files) == []


def test_each_allowance_names_a_file_that_exists():
    """A stale allowance would let the rule off for a file that may come back by that name."""
    for rule in rules.RULES:
        for pattern in rule.allowed_in:
            assert list(ROOT.glob(pattern)), f"{rule.name}: nothing matches {pattern}"


# --- markers --------------------------------------------------------------------------------


def test_a_marker_with_a_reason_excuses_its_code(tmp_path):
    files = {
        "apps/core/db.py": """
            SQL = (  # lint: allow fstring-sql -- column names from model metadata
                "SELECT "
                + ", ".join(columns)
            )
            cursor.execute(SQL, [pk])
            # lint: allow fstring-sql -- a table name from model metadata
            cursor.execute(f'VACUUM "{table}"')
        """,
        "templates/a.html": '{% if m.role == "guest" %}{% endif %}'
        "{# lint: allow role-strings -- the demo page shows the raw value #}\n",
    }
    assert found(tmp_path, files) == []


def test_a_marker_without_a_reason_counts_for_nothing(tmp_path):
    files = {"apps/core/db.py": 'cursor.execute(f"SELECT {x}")  # lint: allow fstring-sql\n'}
    assert found(tmp_path, files) == [("apps/core/db.py", 1, "fstring-sql")]


def test_a_marker_for_another_rule_excuses_nothing(tmp_path):
    files = {"apps/core/db.py": 'cursor.execute(f"SELECT {x}")  # lint: allow role-strings -- no\n'}
    assert found(tmp_path, files) == [
        ("apps/core/db.py", 1, "fstring-sql"),
        ("apps/core/db.py", 1, "unused-allow"),
    ]


def test_an_unused_marker_is_reported(tmp_path):
    files = {
        "apps/core/db.py": 'cursor.execute("SELECT 1")  # lint: allow fstring-sql -- was f""\n',
        # In a string, the words are no marker (this very file is full of them).
        "apps/core/doc.py": 'HELP = "# lint: allow fstring-sql -- example"\n',
    }
    assert found(tmp_path, files) == [("apps/core/db.py", 1, "unused-allow")]


# --- the tree, the command, the wiring ------------------------------------------------------


def test_the_repository_keeps_the_rules():
    violations = rules.check_tree(ROOT)
    assert not violations, "\n".join(map(str, violations))


def test_the_command_fails_on_a_violation(tmp_path):
    found(tmp_path, PLANTED["writes-in-views"])
    result = subprocess.run(
        [sys.executable, "-m", "lint", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "apps/tasks/views.py:3: [writes-in-views]" in result.stdout


def test_make_lint_and_ci_run_the_rules():
    assert "$(PY) -m lint" in (ROOT / "Makefile").read_text()
    assert ".venv/bin/python -m lint" in (ROOT / ".ci" / "run").read_text()
