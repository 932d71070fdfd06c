"""Stripe's webhook: verify the signature on the raw body, then hand the event to the service."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, jsonify, request

from portal import clock
from portal.extensions import csrf
from portal.services.checkout import webhooks

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")


@bp.route("/stripe", methods=["POST"])
@csrf.exempt
def stripe_receive():
    """Apply one Stripe event once; 400 (and nothing written) unless Stripe signed it."""
    try:
        event = webhooks.verify(
            request.get_data(cache=False),
            request.headers.get("Stripe-Signature"),
            current_app.config.get("STRIPE_WEBHOOK_SECRET") or "",
        )
    except webhooks.InvalidWebhook:
        abort(400)
    outcome = webhooks.handle_event(
        event,
        now=clock.now(),
        today=clock.today(),
        instance_path=Path(current_app.instance_path),
    )
    current_app.logger.info(
        "stripe event %s %s: %s", outcome.event_id, outcome.type, outcome.result
    )
    return jsonify(received=True, result=outcome.result)
