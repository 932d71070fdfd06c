"""A debtor who meets a missing page stays in the creditor's portal, with the way back."""

from ..factories import make_customer


def test_a_missing_invoice_leads_back_to_the_account(app, owner, debtor_client):
    client = debtor_client(make_customer(language="fr"))
    for url in ("/account/invoices/999999", "/no-such-page"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 404
        assert 'class="debtor-header"' in page and "Cette page n’existe pas" in page
        assert 'href="/account"' in page and 'href="/"' not in page and "/login" not in page


def test_after_leaving_the_way_back_is_a_fresh_link(app, owner, debtor_client):
    client = debtor_client(make_customer(language="fr"))
    client.post("/account/leave")
    page = client.get("/no-such-page").get_data(as_text=True)
    assert 'class="debtor-header"' in page
    assert 'href="/link?reason=missing"' in page and 'href="/account"' not in page


def test_staff_and_strangers_keep_the_plain_error_page(app, owner, client):
    page = client.get("/no-such-page").get_data(as_text=True)
    assert 'class="debtor-header"' not in page and 'href="/"' in page
