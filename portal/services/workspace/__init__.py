"""Read models for the creditor's dashboard: home figures, lists, invoice and account views."""
