"""Names sort as a reader expects: case, accents and ligatures do not decide the order."""

from portal.values.names import sort_key


def test_accents_and_case_do_not_push_a_name_to_the_end():
    names = ["Brightwell", "Béranger", "atelier Zen", "Zénith", "Éclair", "Œuvres Blanches"]
    assert sorted(names, key=sort_key) == [
        "atelier Zen",
        "Béranger",
        "Brightwell",
        "Éclair",
        "Œuvres Blanches",
        "Zénith",
    ]
    assert sorted(names) != sorted(names, key=sort_key)  # a byte order gets it wrong


def test_the_key_folds_spaces_case_and_ligatures():
    assert sort_key("  Straße   ŒUVRE ") == "strasse oeuvre"
