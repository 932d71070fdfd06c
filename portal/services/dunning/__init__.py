"""Reminders: scenarios and their messages, the dunning pass, when a reminder may be sent, what holds it back, what comes next."""
