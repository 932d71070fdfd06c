"""The world outside the database: files on disk, locks, and (in time) SMTP and Stripe clients. Use cases call these; these never call use cases."""
