"""Whether this web server can do its work: the database answers.

`/healthz` says the process is up and never touches the database, so a load
balancer does not take every server out when the database blips; `/readyz`
asks this, for monitoring and for deployments that wait until a new server can
serve before sending it traffic.
"""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from portal.extensions import db


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1")).scalar_one()
    except SQLAlchemyError:
        db.session.rollback()
        return False
    return True
