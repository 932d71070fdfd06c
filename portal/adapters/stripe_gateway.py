"""Stripe's API as the portal uses it: Checkout Sessions and signed webhooks.

Every call to Stripe goes through here, so the use cases in
`portal.services.checkout` read as bookkeeping and never handle Stripe's
client or its exception classes. This module is thin on purpose: it sends what
it is given and reports what Stripe answered; it decides nothing and never
calls back into the services.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import stripe

#: Where Checkout Sessions live (test and live mode alike); the pay page's CSP allows it.
CHECKOUT_ORIGIN = "https://checkout.stripe.com"
#: Stripe retries a request that got no answer with the same idempotency key.
NETWORK_RETRIES = 2
WEBHOOK_TOLERANCE_SECONDS = stripe.Webhook.DEFAULT_TOLERANCE


class StripeUnavailable(Exception):
    """Stripe could not be reached or refused the request; `reason` names Stripe's error."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WebhookRejected(Exception):
    """Not signed by Stripe with this secret, signed too long ago, or not JSON."""


@dataclass(frozen=True)
class CreatedSession:
    """What the portal keeps of a new Checkout Session."""

    id: str
    url: str


class StripeGateway:
    """One Stripe account, reached at `api_base` (the tests' fake) or at Stripe itself."""

    def __init__(self, secret_key: str, api_base: str | None = None) -> None:
        base = {"api": api_base.rstrip("/")} if api_base else None
        self._client = stripe.StripeClient(
            secret_key, base_addresses=base, max_network_retries=NETWORK_RETRIES
        )

    def create_session(self, params: dict, *, idempotency_key: str) -> CreatedSession:
        """A new Checkout Session; the same key always gets the same session back."""
        try:
            session = self._client.v1.checkout.sessions.create(
                params, options={"idempotency_key": idempotency_key}
            )
        except stripe.StripeError as exc:
            raise StripeUnavailable(type(exc).__name__) from exc
        return CreatedSession(id=session.id, url=session.url or "")

    def expire_session(self, session_id: str) -> bool:
        """Close a session; False when Stripe will not (already expired, complete or unknown)."""
        try:
            self._client.v1.checkout.sessions.expire(session_id)
        except stripe.InvalidRequestError:
            return False
        except stripe.StripeError as exc:
            raise StripeUnavailable(type(exc).__name__) from exc
        return True

    def session_status(self, session_id: str) -> str:
        """Stripe's status of a session (open, complete, expired), or "missing"."""
        try:
            return self._client.v1.checkout.sessions.retrieve(session_id).status or ""
        except stripe.InvalidRequestError:
            return "missing"
        except stripe.StripeError as exc:
            raise StripeUnavailable(type(exc).__name__) from exc


def signed_payload(payload: bytes, signature: str | None, secret: str) -> object:
    """The parsed body, if Stripe signed these exact bytes less than 5 minutes ago."""
    try:
        stripe.WebhookSignature.verify_header(
            payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_SECONDS
        )
        return json.loads(payload)
    except (stripe.SignatureVerificationError, UnicodeDecodeError, ValueError) as exc:
        raise WebhookRejected(str(exc)) from exc
