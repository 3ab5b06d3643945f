"""The first admin of a new installation, created right after the migrations."""

from __future__ import annotations

from app.auth.service import FirstAdmin, ensure_first_admin
from app.core.config import Settings
from app.core.db import create_engine, create_sessionmaker

ADMIN_PASSWORD_FILE = "initial-admin-password"  # noqa: S105  (a file name, not a secret)


async def bootstrap_admin(settings: Settings) -> FirstAdmin | None:
    """Create the first admin when there are no users; a generated password goes to a 0600 file."""
    engine = create_engine(settings, pooled=False)
    try:
        async with create_sessionmaker(engine)() as session:
            password = settings.first_admin_password
            admin = await ensure_first_admin(
                session, settings.first_admin_email, password.get_secret_value() if password else None
            )
            await session.commit()
    finally:
        await engine.dispose()
    if admin is not None and admin.generated:
        secret_file = settings.data_dir / ADMIN_PASSWORD_FILE
        secret_file.parent.mkdir(parents=True, exist_ok=True)
        secret_file.touch(mode=0o600)
        secret_file.write_text(admin.password + "\n")
    return admin
