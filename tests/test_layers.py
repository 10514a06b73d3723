"""The layering of ARCHITECTURE.md: an app imports only from its own layer and those below.
The core never imports a feature; features register with it."""

import ast
from pathlib import Path

import pytest

APPS_DIR = Path(__file__).resolve().parent.parent / "apps"

# Lowest first. core holds shared helpers with no models and sits below everything.
LAYERS = {
    "core": 0,
    "accounts": 1,
    "collabs": 2,
    "chat": 3,
    # Beside the chat: neither imports the other; files, tasks and calendar notify through it.
    "notifications": 3,
    "invitations": 4,
    "files": 4,
    "tasks": 5,
    "calendar": 5,
    "signing": 6,
    "calls": 6,
}


def imported_apps(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = set()
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            parts = name.split(".")
            if len(parts) >= 2 and parts[0] == "apps":
                found.add(parts[1])
    return found


def app_sources():
    for app_dir in sorted(p for p in APPS_DIR.iterdir() if p.is_dir() and p.name in LAYERS):
        for path in app_dir.rglob("*.py"):
            if "migrations" not in path.parts:
                yield app_dir.name, path


def test_every_app_has_a_layer():
    apps = {p.name for p in APPS_DIR.iterdir() if (p / "apps.py").exists()}
    assert apps <= set(LAYERS), f"apps without a layer: {apps - set(LAYERS)}"


@pytest.mark.parametrize(("app", "path"), list(app_sources()), ids=lambda v: str(v))
def test_an_app_imports_only_from_its_layer_and_below(app, path):
    above = {
        other
        for other in imported_apps(path)
        if other != app and LAYERS.get(other, 99) >= LAYERS[app] and other in LAYERS
    }
    # Same layer is allowed only for shared helpers; distinct feature apps of one layer
    # (tasks, calendar) must not import each other either.
    assert not above, f"{path.relative_to(APPS_DIR.parent)} imports {sorted(above)}"
