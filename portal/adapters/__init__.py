"""The world outside the database: files on disk, locks, the mail server and Stripe. Use cases call these; these never call use cases."""
