"""PDF documents: invoices, statements of account, the formal notice letter, and their shared layout."""
