"""A liveness probe for load balancers and monitoring: answers without touching the database."""

from flask import Blueprint, Response

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz_show():
    """The process is up and serving requests."""
    return Response("ok\n", mimetype="text/plain", headers={"Cache-Control": "no-store"})
