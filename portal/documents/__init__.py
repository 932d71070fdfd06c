"""Page layout for the PDF documents (invoice, statement of account).

Only ReportLab lives here: fonts, styles, tables and the page frame. What the
documents say, in which language, is decided by `portal.services.documents`.
"""
