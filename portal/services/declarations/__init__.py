""" "I have already paid": the debtor declares a payment with proof, the creditor confirms or rejects it."""
