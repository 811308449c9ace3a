"""The house rules a reader relies on, checked the way tests/test_tenancy.py checks tenancy.

By reading every product module, so code added later is covered without a new test.

- No app uses another app's model manager (`OtherModel.objects`): it reads through that app's
  selectors and writes through its services (docs/architecture.md).
- An app imports another app's `selectors`, `services` and `models`, and only the modules
  that app declares public (`public_modules` on its AppConfig); `core` and `language` are the
  foundations every app stands on. (import-linter states the layer order; it cannot say
  "only these modules of that package", so this scan does.)
- Every task name the code sends (a `<app>.tasks.<name>` constant or literal) is a
  registered Celery task, so a renamed task cannot leave a sender posting into the void; and
  every task can be sent within its own time limits."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from django.apps import apps
from django.conf import settings

from contentapp.celery import app as celery_app

ROOT = Path(settings.BASE_DIR)
FOUNDATIONS = {"core", "language"}
ALWAYS_PUBLIC = {"selectors", "services", "models"}
TASK_NAME = re.compile(r"^[a-z_]+\.tasks\.[a-z_]+$")


def _packages() -> set[str]:
    local = {config.name for config in apps.get_app_configs() if "." not in config.name}
    return {name for name in local if (ROOT / name).is_dir()} | {"language"}


def _modules() -> Iterator[tuple[str, Path, ast.Module]]:
    """(app, path, tree) of every product module (migrations aside)."""
    for package in sorted(_packages()):
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield package, path, ast.parse(path.read_text(encoding="utf-8"))


def _imports(tree: ast.Module) -> Iterator[tuple[int, str, str, list[str]]]:
    """(line, top package, its module imported (or ''), names) for absolute imports."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            top, _, rest = node.module.partition(".")
            names = [alias.asname or alias.name for alias in node.names]
            if rest:
                yield node.lineno, top, rest.split(".")[0], names
            else:  # `from voice import scoring`: each name is a module of the package
                for alias in node.names:
                    yield node.lineno, top, alias.name, [alias.asname or alias.name]
        elif isinstance(node, ast.Import):
            for alias in node.names:
                top, _, rest = alias.name.partition(".")
                yield node.lineno, top, rest.split(".")[0], []


def test_no_app_uses_another_apps_model_manager():
    packages = _packages()
    found = []
    for package, path, tree in _modules():
        foreign_models = {
            name
            for _, top, module, names in _imports(tree)
            if top in packages and top != package and module == "models"
            for name in names
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("objects", "_default_manager")
                and isinstance(node.value, ast.Name)
                and node.value.id in foreign_models
            ):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.value.id}.objects")
    assert found == [], "read through the owner's selectors, write through its services"


def test_apps_import_only_what_other_apps_make_public():
    packages = _packages()
    public = {
        config.name: ALWAYS_PUBLIC | set(getattr(config, "public_modules", ()))
        for config in apps.get_app_configs()
        if config.name in packages
    }
    found = []
    for package, path, tree in _modules():
        for line, top, module, _ in _imports(tree):
            if top == package or top not in packages or top in FOUNDATIONS or not module:
                continue
            if module not in public[top]:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {top}.{module}")
    assert found == [], "use the app's selectors/services, or declare the module public"


def test_the_scan_sees_a_breach():
    """The two scans above are not vacuous: a module that breaks both rules is caught."""
    tree = ast.parse(
        "from posts.models import Post\nfrom voice.analysis import analyse\n"
        "Post.objects.filter(persona=1)\n"
    )
    imports = list(_imports(tree))
    assert (1, "posts", "models", ["Post"]) in imports
    assert (2, "voice", "analysis", ["analyse"]) in imports
    assert "analysis" not in set(getattr(apps.get_app_config("voice"), "public_modules", ()))


def _task_names_sent() -> Iterator[tuple[str, str]]:
    for _, path, tree in _modules():
        for node in ast.walk(tree):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, str) and TASK_NAME.match(value):
                yield f"{path.relative_to(ROOT)}:{node.lineno}", value


def test_every_task_name_in_the_code_is_a_registered_task():
    celery_app.loader.import_default_modules()
    registered = set(celery_app.tasks)
    names = list(_task_names_sent())
    assert len(names) >= 15  # the scan finds the senders (enqueue/send by name)
    missing = [f"{where} {name}" for where, name in names if name not in registered]
    assert missing == []


def test_every_beat_schedule_names_a_registered_task():
    celery_app.loader.import_default_modules()
    schedule = celery_app.conf.beat_schedule or {}
    assert schedule, "the beat schedule is configured"
    missing = [e["task"] for e in schedule.values() if e["task"] not in celery_app.tasks]
    assert missing == []


def test_every_task_can_be_sent_within_its_own_time_limits():
    """A task's soft limit (its own, else the deployment's) is within its hard limit.

    Celery refuses `apply_async` otherwise ("soft_time_limit must be less than or equal to
    time_limit"): beat, which sends its entries that way, failed every 30 s on the event
    deliveries' retries and the hourly digests, which never went out."""
    celery_app.loader.import_default_modules()
    ours = [task for name, task in celery_app.tasks.items() if not name.startswith("celery.")]
    assert len(ours) >= 15
    over = [
        f"{task.name}: soft {task.soft_time_limit} s > hard {task.time_limit} s"
        for task in ours
        if task.soft_time_limit and task.time_limit and task.soft_time_limit > task.time_limit
    ]
    assert over == []
