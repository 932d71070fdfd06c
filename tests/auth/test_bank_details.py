"""A new IBAN sends every customer's payment elsewhere: it asks for the password again."""

from __future__ import annotations

from portal.services import organisation

from ..factories import PASSWORD

STORED = "FR7630006000011234567890189"
OTHER = "FR7630004000031234567890143"


def _settings(**kw) -> dict:
    data = {
        "legal_name": "Atelier",
        "language": "fr",
        "payment_terms_days": "30",
        "penalty_margin_points": "10",
        "recovery_indemnity": "40",
        "iban": STORED,
        "bic": "AGRIFRPP",
    }
    data.update(kw)
    return data


def test_a_new_iban_without_the_password_is_refused(client, logged_in):
    response = client.post("/settings", data=_settings(iban=OTHER))
    assert response.status_code == 422
    assert organisation.get().iban == STORED
    response = client.post("/settings", data=_settings(iban=OTHER, current_password="not it"))
    assert response.status_code == 422
    assert organisation.get().iban == STORED


def test_a_new_iban_with_the_password_is_saved(client, logged_in):
    response = client.post("/settings", data=_settings(iban=OTHER, current_password=PASSWORD))
    assert response.status_code == 303
    assert organisation.get().iban == OTHER


def test_a_new_bic_asks_too_but_other_settings_do_not(client, logged_in):
    assert client.post("/settings", data=_settings(bic="BNPAFRPP")).status_code == 422
    assert client.post("/settings", data=_settings(legal_name="Atelier Dupont")).status_code == 303
    assert organisation.get().legal_name == "Atelier Dupont"
