"""Endpoints called by other systems (Stripe), not by people: no session, no CSRF, a signature instead."""
