"""SQL only in repositories: SQLAlchemy's statements are built, and run, nowhere else in ``app``.

Services, endpoints, tasks and models call a repository; a repository module (``repository.py`` or
``*_repository.py``) builds the statements and runs them through the session. Migrations live outside
``app`` and are not checked. The checker reads the imports with the AST, so ``session.delete(row)`` or a
service function named ``update`` is not taken for SQLAlchemy's ``delete`` or ``update``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import app

APP = Path(app.__file__).parent
CONSTRUCTS = frozenset({"select", "insert", "update", "delete", "text"})
# Session methods that run a query; called on ``session`` or ``self.session``, the names the code base
# gives its sessions (``session.add`` and ``session.flush`` write rows a repository handed out: allowed).
SESSION_QUERIES = frozenset({"execute", "scalar", "scalars", "stream", "stream_scalars", "get"})


def is_repository(path: Path) -> bool:
    """Whether ``path`` is a repository module, where statements are built."""
    return path.name == "repository.py" or path.name.endswith("_repository.py")


def _from_sqlalchemy(module: str | None) -> bool:
    return module is not None and (module == "sqlalchemy" or module.startswith("sqlalchemy."))


def _imported_names(tree: ast.Module) -> tuple[dict[str, str], set[str]]:
    """Local names bound to a statement construct (with its name), and those bound to other SQLAlchemy
    objects (modules such as ``sqlalchemy.sql``, whose attributes may be constructs)."""
    constructs: dict[str, str] = {}
    others: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and _from_sqlalchemy(node.module):
            for alias in node.names:
                local = alias.asname or alias.name
                if alias.name in CONSTRUCTS:
                    constructs[local] = alias.name
                else:
                    others.add(local)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _from_sqlalchemy(alias.name):
                    others.add(alias.asname or alias.name.split(".")[0])
    return constructs, others


def _root(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _is_session(node: ast.expr) -> bool:
    return (isinstance(node, ast.Name) and node.id == "session") or (
        isinstance(node, ast.Attribute) and node.attr == "session"
    )


def sql_calls(source: str) -> list[tuple[int, str]]:
    """(line, call) of each SQLAlchemy statement construct called, or query run by a session, in source."""
    tree = ast.parse(source)
    constructs, others = _imported_names(tree)
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        called = node.func
        if isinstance(called, ast.Name) and called.id in constructs:
            found.append((node.lineno, constructs[called.id]))
        elif (
            isinstance(called, ast.Attribute) and called.attr in CONSTRUCTS and _root(called.value) in others
        ):
            found.append((node.lineno, called.attr))
        elif (
            isinstance(called, ast.Attribute) and called.attr in SESSION_QUERIES and _is_session(called.value)
        ):
            found.append((node.lineno, f"session.{called.attr}"))
    return sorted(found)


def violations(root: Path) -> list[str]:
    """``file:line: call(...)`` for each statement built or run outside a repository module under ``root``."""
    found: list[str] = []
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if is_repository(path):
            continue
        for line, construct in sql_calls(path.read_text()):
            found.append(f"{root.name}/{relative.as_posix()}:{line}: {construct}(...)")
    return found


def test_sql_statements_are_built_only_in_repositories() -> None:
    found = violations(APP)
    assert not found, "SQL outside a repository module (move it into the domain's repository):\n" + "\n".join(
        found
    )


def test_the_checker_finds_constructs_under_any_import_name() -> None:
    source = """
import sqlalchemy
import sqlalchemy as sa
from sqlalchemy import select, text as raw
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import expression

select(1)
raw("SELECT 1")
sa.update(Table)
sqlalchemy.sql.delete(Table)
postgresql.insert(Table)
expression.select(1)
await session.get(Job, job_id)
await self.session.scalars(query)
"""
    assert sql_calls(source) == [
        (8, "select"),
        (9, "text"),
        (10, "update"),
        (11, "delete"),
        (12, "insert"),
        (13, "select"),
        (14, "session.get"),
        (15, "session.scalars"),
    ]


def test_the_checker_ignores_methods_and_functions_named_like_constructs() -> None:
    source = """
from app.users import service
from sqlalchemy.ext.asyncio import AsyncSession


def select(rows):
    return rows


async def remove(session: AsyncSession, user, path, settings):
    session.add(user)
    await session.flush()
    await session.delete(user)
    settings.get("session")
    await service.update(session, user)
    path.write_text("")
    return select([user]), {}.update(a=1)
"""
    assert sql_calls(source) == []


def test_a_statement_outside_a_repository_fails_with_its_file_and_line(tmp_path: Path) -> None:
    root = tmp_path / "app"
    (root / "things").mkdir(parents=True)
    (root / "jobs").mkdir()
    statement = "from sqlalchemy import select\n\n\ndef query():\n    return select(1)\n"
    for name in ("things/service.py", "things/repository.py", "things/row_repository.py", "jobs/flow.py"):
        (root / name).write_text(statement)
    assert violations(root) == ["app/jobs/flow.py:5: select(...)", "app/things/service.py:5: select(...)"]
