"""Probes for load balancers and monitoring.

`/healthz` (liveness) answers without touching the database; `/readyz`
(readiness) answers 200 only when the database does, 503 otherwise.
"""

from flask import Blueprint, Response

from portal.services import readiness

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz_show():
    """The process is up and serving requests."""
    return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})


@bp.route("/readyz")
def readyz_show():
    """The process is up and its database answers."""
    if readiness.database_answers():
        return Response("ready\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})
    return Response(
        "database unavailable\n",
        status=503,
        mimetype="text/plain",
        headers={"Cache-Control": "no-store", "Retry-After": "5"},
    )
