"""No internal key reaches a page: every kind has a label, and nothing else can be recorded."""

from __future__ import annotations

import pytest
from flask_babel import force_locale

from portal import clock, labels
from portal.models import AuditAction, MessageKind, MessageStatus, SkipReason
from portal.services import audit
from portal.services.mail import outbox


def test_every_audit_action_email_kind_and_status_has_a_label():
    assert set(labels.AUDIT_ACTIONS) == set(AuditAction)
    assert set(labels.MESSAGE_KINDS) == set(MessageKind)
    assert set(labels.MESSAGE_STATUSES) == set(MessageStatus)
    assert set(labels.SKIP_REASONS) == set(SkipReason)


def test_labels_are_translated_and_never_a_key(app):
    with app.test_request_context(), force_locale("fr"):
        assert labels.action_label("plan.accepted") == "Échéancier accepté"
        assert labels.message_kind_label("paid_declaration_rejected") == "Paiement déclaré refusé"
        french = [labels.action_label(a) for a in AuditAction]
    assert not [text for text in french if "." in text and " " not in text]
    with app.test_request_context(), force_locale("en"):
        assert labels.action_label("something.unknown") == "Other change"
        assert labels.skip_reason_label("550 5.1.1 No such user") == "550 5.1.1 No such user"
    with app.test_request_context(), force_locale("fr"):
        assert labels.skip_reason_label("no_email") == "aucune adresse email valide"


def test_an_unknown_action_or_email_kind_is_refused(app):
    with pytest.raises(ValueError):
        audit.record(audit.Actor.system(), "plan.teleported", "plan", 1, at=clock.now())
    with pytest.raises(ValueError):
        outbox.queue(
            kind="carrier_pigeon", to=["a@example.com"], subject="s", text_body="b", now=clock.now()
        )
