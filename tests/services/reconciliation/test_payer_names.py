"""A payer name as banks print it, against customers as the creditor files them."""

from portal.services.reconciliation.payer_names import NameIndex, words

CUSTOMERS = [
    (1, "Boulangerie Hélène Lefèvre"),
    (2, "Garage Müller SARL"),
    (3, "Jean Durand"),
    (4, "Marie Durand"),
    (5, "Atelier Dupont"),
]


def test_words_drop_accents_case_legal_forms_and_titles():
    assert words("SARL Boulangerie Hélène LEFÈVRE") == {"BOULANGERIE", "HELENE", "LEFEVRE"}
    assert words("M OU MME DURAND JEAN") == {"DURAND", "JEAN"}


def test_bank_spellings_find_the_one_customer():
    names = NameIndex(CUSTOMERS)
    assert names.find("SARL BOULANGERIE HELENE LEFEVRE") == 1
    assert names.find("BOULANGERIE HELENE LEFE") == 1  # cut at the bank's width
    assert names.find("GARAGE MULLER") == 2
    assert names.find("M DURAND JEAN") == 3


def test_a_shared_surname_or_a_stranger_is_no_match():
    names = NameIndex(CUSTOMERS)
    assert names.find("DURAND") is None  # two Durand
    assert names.find("SCI LES TILLEULS") is None
    assert names.find("") is None
