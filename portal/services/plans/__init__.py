"""Instalment plans: proposals within the creditor's rules, reviews, instalment reminders."""
