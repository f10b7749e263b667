"""Alembic environment: run on the connection the service hands over (``Database.upgrade``)."""

from alembic import context

from forgelens.service.storage import Base

connection = context.config.attributes["connection"]
context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
