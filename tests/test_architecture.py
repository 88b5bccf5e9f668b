"""The layers of DESIGN §3, checked by import-linter's contracts in pyproject.toml."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_import_layers_hold() -> None:
    result = subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={"PATH": "/usr/bin:/bin", "DEBUG": "1", "PYTHONPATH": str(ROOT)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_notifications_sit_below_the_apps_that_send_them() -> None:
    """Petitions and volunteers tell people through ``notifications``, which knows neither."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    importlinter = config["tool"]["importlinter"]
    layers = importlinter["contracts"][0]["layers"]
    assert "notifications" in importlinter["root_packages"]
    assert (
        layers.index("volunteers")
        < layers.index("petitions")
        < layers.index("notifications")
        < layers.index("grids")
        < layers.index("orgchart")
    )


# The workflow models whose ``status`` only ``governance.workflow.transition`` may change.
WORKFLOW_MODULES = ("governance", "orgchart", "grids", "notifications", "petitions", "volunteers")
# The demo's bulk writer replays the workflows in memory to insert thousands of cases in a few
# statements; what it writes is checked against the services by tests/test_demo.py.
STATUS_WRITERS_ALLOWED = {"governance/workflow.py", "petitions/demo/bulk.py"}


# An SQL SET list (up to its WHERE, FROM or RETURNING) that assigns a status column.
SETS_STATUS = re.compile(
    r"\bSET\s(?:(?!\b(?:WHERE|FROM|RETURNING)\b)[^;])*?\bstatus\"?\s*=", re.IGNORECASE
)


def _has_status_key(node: ast.AST) -> bool:
    return isinstance(node, ast.Dict) and any(
        isinstance(key, ast.Constant) and key.value == "status" for key in node.keys
    )


def _writes_status(node: ast.AST) -> bool:
    """``x.status = …``, ``….update(status=…)``, ``bulk_update(…, ["status"])``,
    ``save(update_fields=["status"])``, ``update_each(…, [(match, {"status": …})])`` (the batch
    UPDATE of ``governance.database``: the second dict of a row is what it writes) or SQL that
    sets a status column."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return SETS_STATUS.search(node.value) is not None
    if isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        return any(isinstance(t, ast.Attribute) and t.attr == "status" for t in targets)
    if isinstance(node, ast.Call):
        function = node.func
        called = (
            function.attr if isinstance(function, ast.Attribute) else getattr(function, "id", "")
        )
        if called == "update_each":
            return any(
                isinstance(row, ast.Tuple) and len(row.elts) > 1 and _has_status_key(row.elts[1])
                for argument in node.args
                for row in ast.walk(argument)
            )
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        name = node.func.attr
        if name == "update" and any(k.arg == "status" for k in node.keywords):
            return True
        fields: list[ast.AST] = []
        if name == "bulk_update" and len(node.args) > 1:
            fields.append(node.args[1])
        if name in {"save", "bulk_update"}:
            fields += [k.value for k in node.keywords if k.arg in {"fields", "update_fields"}]
        return any(
            isinstance(value, ast.Constant) and value.value == "status"
            for field in fields
            for value in ast.walk(field)
        )
    return False


def test_only_the_workflow_core_changes_a_status() -> None:
    offenders = []
    for package in WORKFLOW_MODULES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if "/migrations/" in relative or relative in STATUS_WRITERS_ALLOWED:
                continue
            tree = ast.parse(path.read_text(encoding="utf-8"))
            offenders += [
                f"{relative}:{getattr(n, 'lineno', 0)}" for n in ast.walk(tree) if _writes_status(n)
            ]
    assert offenders == []


def test_the_status_check_finds_what_it_looks_for() -> None:
    found = [
        any(_writes_status(node) for node in ast.walk(ast.parse(source)))
        for source in (
            "petition.status = 'closed'",
            "Petition.objects.filter(pk=1).update(status='closed')",
            "Wish.objects.bulk_update(wishes, ['status'])",
            "order.save(update_fields=['status', 'version'])",
            "update_each(Wish, [({'id': 1}, {'status': 'claimed'})])",
            "cursor.execute('UPDATE volunteers_wish SET \"status\" = %s WHERE id = %s')",
            "petition.save(update_fields=['title'])",
            "Petition.objects.filter(status='closed').update(title='x')",
            "models.Index(fields=['status'], name='by_status')",
            "update_each(Dispatch, [({'id': 1, 'status': 'pending'}, {'late_report': True})])",
            "cursor.execute('SELECT status FROM petitions_petition WHERE status = %s')",
            "cursor.execute('UPDATE volunteers_wish SET note = %s WHERE status = %s')",
        )
    ]
    assert found == [True] * 6 + [False] * 6


# --- Every access decision asks orgchart.policy ----------------------------------------------

APP_PACKAGES = ("governance", "orgchart", "grids", "notifications", "petitions", "volunteers")
TEMPLATE_DIRS = (
    "templates",
    "governance",
    "orgchart",
    "grids",
    "notifications",
    "petitions",
    "volunteers",
)
COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn, ast.Is, ast.IsNot)


def _account_roles() -> tuple[frozenset[str], frozenset[str]]:
    """The names (``ADMIN``…) and values (``"admin"``…) of the account roles."""
    from orgchart.models import User

    return frozenset(User.Role.names), frozenset(User.Role.values)


def _called(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Name):
        return func.id
    return func.attr if isinstance(func, ast.Attribute) else ""


def _is_a_role(node: ast.AST) -> bool:
    """An account's role: ``x.role``, ``role``, ``getattr(x, "role", …)``, ``role_of(x)``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and sub.attr == "role":
            return True
        if isinstance(sub, ast.Name) and sub.id == "role":
            return True
        if isinstance(sub, ast.Call):
            name = _called(sub)
            if name in {"role_of", "_role", "role"}:
                return True
            if name == "getattr" and len(sub.args) > 1:
                attribute = sub.args[1]
                if isinstance(attribute, ast.Constant) and attribute.value == "role":
                    return True
    return False


def _names_account_roles(node: ast.AST, names: frozenset[str], values: frozenset[str]) -> bool:
    """``User.Role.ADMIN``, ``Role.ADMIN``, ``"admin"``, or a set of roles (``STAFF_ROLES``,
    ``roles``); not the roles of a grid's staff or of a dispatch, nor ``User.Role.values``."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.Attribute) and (
            sub.attr in names or sub.attr.upper().endswith("ROLES")
        ):
            return True
        if isinstance(sub, ast.Name) and sub.id.upper().endswith("ROLES"):
            return True
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value in values:
            return True
    return False


def _role_comparisons(source: str) -> list[int]:
    """Lines of ``source`` that compare an account's role with account roles."""
    names, values = _account_roles()
    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Compare):
            continue
        if not any(isinstance(op, COMPARISONS) for op in node.ops):
            continue
        operands = [node.left, *node.comparators]
        if any(
            _is_a_role(side)
            and any(
                _names_account_roles(other, names, values)
                for other in operands
                if other is not side
            )
            for side in operands
        ):
            lines.append(node.lineno)
    return lines


def _template_role_comparisons(source: str) -> list[int]:
    """Lines of a template whose ``{% if %}``/``{% elif %}`` compares ``….role`` with an
    account role (``user.role == "admin"``, ``user.role in roles``)."""
    import re

    _names, values = _account_roles()
    role = r"[\w.]*\brole"
    value = r"""["'](?:{})["']""".format("|".join(sorted(values)))
    pattern = re.compile(
        rf"{{%\s*(?:el)?if\b[^%]*?(?:{role}\s*(?:==|!=)\s*{value}|{value}\s*(?:==|!=)\s*{role}\b"
        rf"|{role}\s+(?:not\s+)?in\b)[^%]*%}}",
        re.DOTALL,
    )
    return [source.count("\n", 0, match.start()) + 1 for match in pattern.finditer(source)]


def _app_modules() -> list[tuple[str, Path]]:
    """The app code outside the policy: no migrations, demo data or tests."""
    modules = []
    for package in APP_PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if relative.startswith("orgchart/policy/") or any(
                part in {"migrations", "demo", "tests"} for part in relative.split("/")[:-1]
            ):
                continue
            modules.append((relative, path))
    return modules


def test_no_role_is_compared_outside_the_policy() -> None:
    modules = _app_modules()
    assert "petitions/views/shared.py" in dict(modules)  # the scan reads the app code
    offenders = [
        f"{relative}:{lines}"
        for relative, path in modules
        if (lines := _role_comparisons(path.read_text(encoding="utf-8")))
    ]
    assert offenders == [], "ask orgchart.policy instead of comparing roles"


def test_no_template_compares_a_role() -> None:
    templates = sorted(
        {path for folder in TEMPLATE_DIRS for path in (ROOT / folder).rglob("*.html")}
    )
    assert any(path.name == "base.html" for path in templates)
    offenders = [
        f"{path.relative_to(ROOT).as_posix()}:{line}"
        for path in templates
        for line in _template_role_comparisons(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "let the view or a template filter ask orgchart.policy"


def test_the_role_check_finds_what_it_looks_for() -> None:
    found = [
        bool(_role_comparisons(source))
        for source in (
            "user.role == User.Role.ADMIN",
            "request.user.role != Role.DEPARTMENT_HANDLER",
            "user.role in (Role.COMMUNITY_WORKER, Role.GRID_WORKER)",
            "role_of(user) in STAFF_ROLES",
            "getattr(user, 'role', None) in PEOPLE_ROLES",
            "user.role not in roles",
            "role == User.Role.VOLUNTEER",
            "_role(user) == 'department_handler'",
            "member.role == GridStaff.Role.HEAD",
            "dispatch.role == DispatchRole.LEAD",
            "role not in User.Role.values",
            "successor.is_active == user.is_active",
            "User.objects.filter(role=User.Role.GRID_WORKER)",
        )
    ]
    assert found == [True] * 8 + [False] * 5
    assert _role_comparisons("x = 1\nif user.role == User.Role.ADMIN:\n    pass\n") == [2]


def test_the_template_role_check_finds_what_it_looks_for() -> None:
    found = [
        bool(_template_role_comparisons(source))
        for source in (
            '{% if user.role == "admin" %}x{% endif %}',
            "{% elif user.role == 'grid_worker' or user.role == 'community_worker' %}",
            '{% if user.is_superuser or "official" != request.user.role %}',
            "{% if user.role in staff_roles %}",
            "{% if member.role == 'head' %}",
            "{% if can_import %}{{ user.role }}{% endif %}",
            '<span class="role-{{ dispatch.role }}">',
        )
    ]
    assert found == [True, True, True, True, False, False, False]


def _imports_templatetags(source: str) -> list[int]:
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            module = (node.module or "").split(".")
            if "templatetags" in module or any(a.name == "templatetags" for a in node.names):
                lines.append(node.lineno)
        elif isinstance(node, ast.Import) and any(
            "templatetags" in alias.name.split(".") for alias in node.names
        ):
            lines.append(node.lineno)
    return lines


def _is_view_or_api(relative: str) -> bool:
    *folders, name = relative.split("/")
    return (
        "views" in folders
        or name == "views.py"
        or "api" in folders
        or (name.startswith("api") and name.endswith(".py"))
    )


def test_views_and_apis_never_import_template_tags() -> None:
    modules = [(relative, path) for relative, path in _app_modules() if _is_view_or_api(relative)]
    chosen = {relative for relative, _path in modules}
    assert {"grids/views/grids.py", "orgchart/views.py", "petitions/api.py"} <= chosen
    assert "volunteers/api/shared.py" in chosen
    offenders = [
        f"{relative}:{line}"
        for relative, path in modules
        for line in _imports_templatetags(path.read_text(encoding="utf-8"))
    ]
    assert offenders == [], "ask orgchart.policy (or the app's views/shared.py) instead"


def test_the_template_tag_import_check_finds_what_it_looks_for() -> None:
    found = [
        bool(_imports_templatetags(source))
        for source in (
            "from grids.templatetags.grids_pages import sees_grids",
            "import volunteers.templatetags.volunteers_pages",
            "from grids import templatetags",
            "from .templatetags import grids_pages",
            "from orgchart import policy",
            "from grids.views.shared import sees_grids",
        )
    ]
    assert found == [True, True, True, True, False, False]
    assert [_is_view_or_api(path) for path in ("a/views/x.py", "a/api.py", "a/forms.py")] == [
        True,
        True,
        False,
    ]
