"""Lint rules for past mistakes (issue 9): small AST and regex checks that ruff cannot express,
each for a mistake this code base made once. `make lint` and CI run them
(`python -m lint`); tests/test_lint_rules.py plants a violation of each and checks the tree.

Each rule has a name, what to do instead, the files it applies to and the files it is allowed
in (each allowance says why). Paths are relative to the repository, matched with fnmatch: `*`
crosses folders, so `apps/*.py` is every Python file under apps/.

One place may be let off a rule with a marker in a comment on any line of the offending code,
or alone on the line above it, naming the rule and giving the reason after ` -- ` (a marker
without a reason counts for nothing):

    _SQL = (  # lint: allow fstring-sql -- the names come from model metadata, not input

In a template the marker is a `{# ... #}` comment. A marker that excuses nothing is itself
reported (`unused-allow`), so none outlives the code it was for.

Rules but fstring-sql leave migrations alone: they are history, and read models through
`apps.get_model`.
"""

import ast
import fnmatch
import io
import os
import re
import sys
import tokenize
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

# A finding: the first and last line of the offending code (a marker may sit on any of them).
Span = tuple[int, int]

MARKER = re.compile(r"lint: allow ([\w-]+) -- \S")
SKIPPED_DIRS = {".git", ".venv", "node_modules", "var", "static", "locale", "__pycache__"}
SKIPPED_DIRS |= {".hypothesis", ".ruff_cache", ".pytest_cache", "build", "test-results"}


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.message}"


@dataclass(frozen=True)
class Rule:
    name: str
    message: str
    applies_to: tuple[str, ...]
    # Python rules get the parsed module, template rules the text.
    check: Callable[[ast.Module | str], Iterable[Span]]
    allowed_in: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ("*/migrations/*",)

    def covers(self, path: str) -> bool:
        return (
            _matches(path, self.applies_to)
            and not _matches(path, self.excluded)
            and not _matches(path, self.allowed_in)
        )


def _matches(path: str, patterns: Iterable[str]) -> bool:
    return any(fnmatch.fnmatchcase(path, pattern) for pattern in patterns)


def _span(node: ast.AST) -> Span:
    return node.lineno, node.end_lineno or node.lineno


def _calls(tree: ast.Module) -> Iterator[tuple[ast.Call, str]]:
    """Every call of a method or function, with the called name (`x.save()` -> "save")."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                yield node, func.attr
            elif isinstance(func, ast.Name):
                yield node, func.id


# --- message-query --------------------------------------------------------------------------

MANAGERS = {"objects", "_default_manager", "_base_manager"}
QUERYSET_METHODS = {
    "all", "filter", "exclude", "get", "count", "exists", "order_by", "values", "values_list",
    "first", "last", "latest", "earliest", "annotate", "aggregate", "select_related",
    "prefetch_related", "iterator", "in_bulk", "none", "create", "update", "delete",
}  # fmt: skip


def _message_names(tree: ast.Module) -> set[str]:
    """`Message`, and whatever it was imported as."""
    names = {"Message"}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.endswith("models"):
            names |= {a.asname for a in node.names if a.name == "Message" and a.asname}
    return names


def check_message_query(tree: ast.Module) -> Iterator[Span]:
    """`Message.objects` (or another manager of it), and the reverse managers
    `collab.messages.filter(...)` / `user.messages.all()`: both read messages by hand."""
    names = _message_names(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        target = node.value
        manager = node.attr in MANAGERS and isinstance(target, ast.Name) and target.id in names
        reverse = (
            node.attr in QUERYSET_METHODS
            and isinstance(target, ast.Attribute)
            and target.attr == "messages"
        )
        if manager or reverse:
            yield _span(node)


# --- role-strings ---------------------------------------------------------------------------

ROLES = {"owner", "moderator", "member", "guest"}


def _role_literals(node: ast.AST | None) -> bool:
    """A role string, or a tuple/list/set holding one."""
    if isinstance(node, ast.Constant):
        return node.value in ROLES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_role_literals(item) for item in node.elts)
    return False


def check_role_strings(tree: ast.Module) -> Iterator[Span]:
    """A role written as a string where a role is meant: compared (`m.role == "owner"`,
    `role in ("owner", "moderator")`), given to a role lookup (`filter(role="guest")`,
    `role__in=[...]`), set (`m.role = "member"`, `{"role": "member"}`) or a table keyed by
    roles (`{"owner": ..., "moderator": ...}`)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            if any(_role_literals(side) for side in (node.left, *node.comparators)):
                yield _span(node)
        elif isinstance(node, ast.keyword):
            if node.arg and "role" in node.arg.split("__") and _role_literals(node.value):
                yield _span(node.value)
        elif isinstance(node, ast.Assign):
            roles = [t for t in node.targets if isinstance(t, ast.Attribute) and t.attr == "role"]
            if roles and _role_literals(node.value):
                yield _span(node)
        elif isinstance(node, ast.Dict):
            keys = [k for k in node.keys if isinstance(k, ast.Constant)]
            if sum(k.value in ROLES for k in keys) >= 2:
                yield _span(node)
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value == "role" and _role_literals(value):
                    yield _span(value)


TEMPLATE_ROLE = re.compile(
    r"{%\s*(?:if|elif)\b[^%]*?[\"'](?:" + "|".join(sorted(ROLES)) + r")[\"'][^%]*%}"
)


def check_template_role_strings(text: str) -> Iterator[Span]:
    """`{% if m.role == "owner" %}`: a template deciding by a role's name."""
    for match in TEMPLATE_ROLE.finditer(text):
        start = text.count("\n", 0, match.start()) + 1
        yield start, start + match.group().count("\n")


# --- writes-in-views ------------------------------------------------------------------------

ALWAYS_WRITES = {"create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}


def _receiver_text(call: ast.Call) -> str:
    return ast.unparse(call.func.value) if isinstance(call.func, ast.Attribute) else ""


def check_writes(tree: ast.Module) -> Iterator[Span]:
    """A model written from a view or consumer. `save()`/`delete()` count without positional
    arguments (a model's, a queryset's, a ModelForm's; not the storage's `save(name, content)`
    or the cache's `delete(key)`), `update()` with keywords only (a queryset's, not a dict's
    `update(other)`); the session is not a model."""
    for call, name in _calls(tree):
        if not isinstance(call.func, ast.Attribute):
            continue
        if _receiver_text(call).startswith("request.session"):
            continue
        if (
            name in ALWAYS_WRITES
            or (name in {"save", "delete"} and not call.args)
            or (name == "update" and not call.args and call.keywords)
        ):
            yield _span(call)


# --- fstring-sql ----------------------------------------------------------------------------

SQL_ARGUMENTS = {
    # called name: (positions of the SQL arguments, keywords holding SQL)
    "execute": ((0,), {"sql"}),
    "executemany": ((0,), {"sql"}),
    "raw": ((0,), {"raw_query"}),
    "RawSQL": ((0,), {"sql"}),
    "RunSQL": ((0, 1), {"sql", "reverse_sql"}),
    "extra": ((), {"select", "where", "tables", "order_by"}),
}


def _assignments(tree: ast.Module) -> dict[str, list[ast.stmt]]:
    """name -> the statements assigning it anywhere in the module."""
    found: dict[str, list[ast.stmt]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            targets = [node.target]
        else:
            continue
        for target in targets:
            if isinstance(target, ast.Name):
                found.setdefault(target.id, []).append(node)
    return found


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.JoinedStr) or (
        isinstance(node, ast.Constant) and isinstance(node.value, str)
    )


def _built(node: ast.AST) -> bool:
    """A string built at run time: an f-string with a value in it, `+` or `%` on a string,
    `"...".format(...)`, `sep.join(...)`."""
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return any(_is_text(side) or _built(side) for side in (node.left, node.right))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return _is_text(node.left)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr in {"format", "join"} and _is_text(node.func.value)
    return False


def _built_sql(node: ast.AST, names: dict[str, list[ast.stmt]], depth: int = 0) -> Iterator[Span]:
    """Where `node` (an argument holding SQL) is built at run time: the expression itself, or
    the assignment of the name passed; lists and dicts (`extra(where=[...])`) looked into."""
    if _built(node):
        yield _span(node)
    elif isinstance(node, ast.Name) and depth < 3:
        # The whole assignment: a marker on its first line excuses it.
        for statement in names.get(node.id, []):
            start, end = _span(statement)
            for first, last in _built_sql(statement.value, names, depth + 1):
                yield min(first, start), max(last, end)
    elif isinstance(node, ast.List | ast.Tuple | ast.Set):
        for item in node.elts:
            yield from _built_sql(item, names, depth)
    elif isinstance(node, ast.Dict):
        for value in node.values:
            yield from _built_sql(value, names, depth)


def check_fstring_sql(tree: ast.Module) -> Iterator[Span]:
    """SQL built by formatting (f-string, `+`, `%`, `.format`) handed to `execute`, `raw`,
    `RawSQL`, `RunSQL` or `extra`: values go as parameters, never into the text."""
    names = _assignments(tree)
    for call, name in _calls(tree):
        if name not in SQL_ARGUMENTS:
            continue
        positions, keywords = SQL_ARGUMENTS[name]
        arguments = [call.args[i] for i in positions if i < len(call.args)]
        arguments += [k.value for k in call.keywords if k.arg in keywords]
        for argument in arguments:
            for first, last in _built_sql(argument, names):
                # The call's lines too: a marker on the call excuses what it executes.
                yield min(first, call.lineno), max(last, call.lineno)


# --- the rules ------------------------------------------------------------------------------

PYTHON_APP_CODE = ("apps/*.py", "collabhub/*.py")
TEMPLATES = ("templates/*.html", "apps/*/templates/*.html")

RULES = [
    Rule(
        name="message-query",
        message=(
            "Messages are read through apps/chat/access.py (visible_messages and its helpers), "
            "never Message.objects or collab.messages by hand; writes go through "
            "apps/chat/services.py."
        ),
        applies_to=PYTHON_APP_CODE,
        check=check_message_query,
        allowed_in=(
            # The access module: the one place that decides which messages a reader sees.
            "apps/chat/access.py",
            # The chat's writes (create, update under a lock). Each read there of a message
            # a member names starts from visible_messages; the rest re-read by primary key
            # what that returned, or the caller's own message by its client id.
            "apps/chat/services.py",
        ),
    ),
    Rule(
        name="role-strings",
        message=(
            "Compare roles with Role.OWNER etc. or ask the access layer (can(), a Membership "
            "property, apps/collabs/permissions.py); templates get booleans from the view."
        ),
        applies_to=PYTHON_APP_CODE,
        check=check_role_strings,
        allowed_in=(
            # Where the roles are defined (Role) and where they are given meaning.
            "apps/collabs/models.py",
            "apps/collabs/permissions.py",
        ),
    ),
    Rule(
        name="role-strings",
        message=(
            "A template decides by booleans the view computed through the access layer "
            "(e.g. m.actions.remove, m.is_owner), never by a role's name."
        ),
        applies_to=TEMPLATES,
        check=check_template_role_strings,
    ),
    Rule(
        name="writes-in-views",
        message=(
            "Views and consumers never write models: call a function of the app's services.py "
            "(one per user action, in a transaction) with the cleaned data."
        ),
        applies_to=("apps/*/views.py", "apps/*/views/*.py", "apps/*/consumers.py"),
        check=check_writes,
    ),
    Rule(
        name="fstring-sql",
        message=(
            "Never build SQL by formatting: pass values as parameters (execute(sql, [value])) "
            "or use the ORM; names from model metadata need a marker saying so."
        ),
        applies_to=("*.py",),
        check=check_fstring_sql,
        excluded=(),
    ),
]


# --- running --------------------------------------------------------------------------------


def source_files(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.endswith(".egg-info"))
        for name in sorted(files):
            if name.endswith((".py", ".html")):
                yield Path(folder, name)


def _markers(text: str, python: bool) -> Iterator[tuple[int, str, set[int]]]:
    """(line, rule, lines it excuses) of each marker. Markers count only in comments (not in
    strings or docs); a comment alone on its line excuses the next line too."""
    if python:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        comments = [(t.start[0], t.string, t.line) for t in tokens if t.type == tokenize.COMMENT]
    else:
        lines = text.splitlines()
        comments = []
        for match in re.finditer(r"{#.*?#}", text):
            number = text.count("\n", 0, match.start()) + 1
            comments.append((number, match.group(), lines[number - 1]))
    for number, comment, line in comments:
        alone = line.strip() == comment.strip()
        for rule in MARKER.findall(comment):
            yield number, rule, {number, number + 1} if alone else {number}


def check_file(path: Path, relative: str, rules: Iterable[Rule] = RULES) -> list[Violation]:
    rules = [rule for rule in rules if rule.covers(relative)]
    text = path.read_text(encoding="utf-8")
    python = relative.endswith(".py")
    markers = list(_markers(text, python))
    used: set[tuple[int, str]] = set()
    found = []
    subject = ast.parse(text, filename=relative) if python and rules else text
    for rule in rules:
        for first, last in sorted(set(rule.check(subject))):
            lines = set(range(first, last + 1))
            excused = {
                (n, name) for n, name, covers in markers if name == rule.name and covers & lines
            }
            used |= excused
            if not excused:
                found.append(Violation(relative, first, rule.name, rule.message))
    for number, name, _covers in markers:
        if (number, name) not in used:
            found.append(Violation(relative, number, "unused-allow", f"nothing here breaks {name}"))
    return found


def check_tree(root: Path, rules: Iterable[Rule] = RULES) -> list[Violation]:
    rules = list(rules)
    found = []
    for path in source_files(root):
        found += check_file(path, path.relative_to(root).as_posix(), rules)
    return found


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else Path(__file__).resolve().parent.parent)
    violations = check_tree(root)
    for violation in violations:
        print(violation)
    if violations:
        print(f"lint: {len(violations)} violation(s) of the project's rules", file=sys.stderr)
    return 1 if violations else 0
