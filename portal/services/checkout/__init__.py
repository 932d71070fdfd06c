"""Paying online through Stripe Checkout, and the webhooks that settle it."""
