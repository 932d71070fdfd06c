"""A small fake of the Stripe API, enough for Checkout, served on 127.0.0.1.

The real `stripe.StripeClient` talks to it over HTTP (PORTAL_STRIPE_API_BASE),
so the tests exercise the library's own encoding, headers and error handling.
It records every request, honours Idempotency-Key like Stripe (same key, same
answer), and builds the webhook events Stripe would send, signed like Stripe.
"""

from __future__ import annotations

import copy
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

import stripe

WEBHOOK_SECRET = "whsec_test_fake"
SECRET_KEY = "sk_test_fake"


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    params: dict = field(default_factory=dict)


def nested(pairs: list[tuple[str, str]]) -> dict:
    """Undo Stripe's form encoding: `line_items[0][price_data][unit_amount]=5` → nested dicts and lists."""
    root: dict = {}
    for key, value in pairs:
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node):
    if isinstance(node, dict):
        node = {k: _lists(v) for k, v in node.items()}
        if node and all(k.isdigit() for k in node):
            return [node[k] for k in sorted(node, key=int)]
    return node


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header Stripe would send for this body."""
    return stripe.WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


class FakeStripe:
    """Start with `with FakeStripe() as fake:`; `fake.url` is the API base."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.sessions: dict[str, dict] = {}
        self.idempotent: dict[str, tuple[int, dict]] = {}
        self.fail_next_create = False
        self.webhook_secret = WEBHOOK_SECRET
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> FakeStripe:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    # --- what tests look at -------------------------------------------------

    def calls(self, method: str, path_prefix: str) -> list[Recorded]:
        return [r for r in self.requests if r.method == method and r.path.startswith(path_prefix)]

    @property
    def created(self) -> list[Recorded]:
        """Every session-creation request, retries with the same key included."""
        return [
            r for r in self.requests if r.method == "POST" and r.path == "/v1/checkout/sessions"
        ]

    # --- moving sessions along, as the debtor and the banks would -------------

    def complete(self, session_id: str, payment_status: str = "paid") -> dict:
        """The debtor finished the hosted page; SEPA leaves the payment "unpaid" for days."""
        with self._lock:
            session = self.sessions[session_id]
            session["status"] = "complete"
            session["payment_status"] = payment_status
            session["payment_intent"] = (
                session["payment_intent"] or f"pi_test_{secrets.token_hex(8)}"
            )
            return copy.deepcopy(session)

    def settle(self, session_id: str, succeeded: bool = True) -> dict:
        with self._lock:
            session = self.sessions[session_id]
            session["payment_status"] = "paid" if succeeded else "unpaid"
            return copy.deepcopy(session)

    def event(self, type_: str, obj: dict, event_id: str | None = None) -> dict:
        return {
            "id": event_id or f"evt_test_{secrets.token_hex(10)}",
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": int(time.time()),
            "livemode": False,
            "type": type_,
            "data": {"object": copy.deepcopy(obj)},
        }

    def refund(self, session_id: str, amount_refunded: int | None = None) -> dict:
        """The charge object of a `charge.refunded` event (amount_refunded is cumulative)."""
        session = self.sessions[session_id]
        amount = session["amount_total"]
        refunded = amount if amount_refunded is None else amount_refunded
        return {
            "id": f"ch_test_{session_id[-8:]}",
            "object": "charge",
            "amount": amount,
            "amount_refunded": refunded,
            "currency": session["currency"],
            "payment_intent": session["payment_intent"],
            "refunded": refunded >= amount,
        }

    def dispute(self, session_id: str, reason: str = "fraudulent") -> dict:
        session = self.sessions[session_id]
        return {
            "id": f"dp_test_{secrets.token_hex(6)}",
            "object": "dispute",
            "amount": session["amount_total"],
            "currency": session["currency"],
            "charge": f"ch_test_{session_id[-8:]}",
            "payment_intent": session["payment_intent"],
            "reason": reason,
            "status": "needs_response",
        }

    # --- the HTTP side --------------------------------------------------------

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                return

            def do_GET(self) -> None:
                fake._serve(self, "GET")

            def do_POST(self) -> None:
                fake._serve(self, "POST")

        return Handler

    def _serve(self, request: BaseHTTPRequestHandler, method: str) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length).decode() if length else ""
        path = request.path.split("?", 1)[0]
        params = nested(parse_qsl(body, keep_blank_values=True))
        with self._lock:
            self.requests.append(Recorded(method, path, dict(request.headers), params))
            key = request.headers.get("Idempotency-Key") if method == "POST" else None
            if key and key in self.idempotent:
                status, answer = self.idempotent[key]
            else:
                status, answer = self._route(method, path, params)
                if key:
                    self.idempotent[key] = (status, answer)
        payload = json.dumps(answer).encode()
        request.send_response(status)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(payload)))
        request.send_header("Request-Id", f"req_{secrets.token_hex(6)}")
        if status >= 500:
            request.send_header("Stripe-Should-Retry", "false")
        request.end_headers()
        request.wfile.write(payload)

    def _route(self, method: str, path: str, params: dict) -> tuple[int, dict]:
        if method == "POST" and path == "/v1/checkout/sessions":
            if self.fail_next_create:
                self.fail_next_create = False
                return 500, _error("api_error", "Something went wrong on Stripe's end.")
            return 200, self._create(params)
        match = re.fullmatch(r"/v1/checkout/sessions/([^/]+)(/expire)?", path)
        if match is None or match.group(1) not in self.sessions:
            return 404, _error(
                "invalid_request_error", "No such checkout.session", "resource_missing"
            )
        session = self.sessions[match.group(1)]
        if method == "POST" and match.group(2):
            if session["status"] != "open":
                return 400, _error(
                    "invalid_request_error",
                    f"Only Checkout Sessions with a status in [open] can be expired (status: {session['status']}).",
                )
            session["status"] = "expired"
        elif method != "GET" or match.group(2):
            return 404, _error("invalid_request_error", "Unrecognized request URL")
        return 200, copy.deepcopy(session)

    def _create(self, params: dict) -> dict:
        session_id = f"cs_test_{secrets.token_hex(12)}"
        items = params.get("line_items", [])
        amount = sum(int(i["price_data"]["unit_amount"]) * int(i.get("quantity", 1)) for i in items)
        currency = items[0]["price_data"]["currency"] if items else "eur"
        session = {
            "id": session_id,
            "object": "checkout.session",
            "mode": params.get("mode"),
            "status": "open",
            "payment_status": "unpaid",
            "amount_total": amount,
            "currency": currency,
            "client_reference_id": params.get("client_reference_id"),
            "customer_email": params.get("customer_email"),
            "locale": params.get("locale"),
            "metadata": params.get("metadata", {}),
            "payment_method_types": params.get("payment_method_types", ["card"]),
            "payment_intent": None,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "url": f"https://checkout.stripe.com/c/pay/{session_id}",
            "livemode": False,
        }
        self.sessions[session_id] = session
        return copy.deepcopy(session)


def _error(type_: str, message: str, code: str | None = None) -> dict:
    error = {"type": type_, "message": message}
    if code:
        error["code"] = code
    return {"error": error}
