"""A bank CSV export whose columns the portal does not recognise by their names."""

from __future__ import annotations

HEADER = "Jour;Intitulé de l'opération;Somme"


def unusual_csv(*rows: tuple[str, str, str], header: str = HEADER) -> bytes:
    """Semicolons, decimal commas, DD/MM/YYYY dates, in Windows-1252 as banks write them."""
    lines = [header, *(";".join(row) for row in rows)]
    return ("\r\n".join(lines) + "\r\n").encode("cp1252")


def the_rows() -> tuple[tuple[str, str, str], ...]:
    return (
        ("20/11/2026", "VIR SEPA GARAGE MULLER FACTURE FA-2026-0201", "240,00"),
        ("21/11/2026", "VIR SEPA SCI DES TILLEULS ACOMPTE", "43,21"),
        ("21/11/2026", "FRAIS TENUE DE COMPTE", "-9,00"),
    )
