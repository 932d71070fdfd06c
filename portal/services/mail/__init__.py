"""Email: the outbox every message is queued in, and its delivery over SMTP."""
