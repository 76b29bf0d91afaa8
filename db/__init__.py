"""The warehouse's data: connections, migrations and every SQL statement of the project."""

from db.connection import connect, write
from db.migrations import MIGRATIONS, migrate

__all__ = ["MIGRATIONS", "connect", "migrate", "write"]
