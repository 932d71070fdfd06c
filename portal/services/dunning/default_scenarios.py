"""The two scenarios the portal ships with (see the domain reference), in French and English.

Plain text with `{{ variables }}` (see message_templates.VARIABLES); the
creditor can edit every word in the dashboard.
"""

from __future__ import annotations

INVOICE_LIST_FR = """{% for invoice in invoices %}
- facture {{ invoice.number }} du {{ invoice.issue_date }}, échue le {{ invoice.due_date }} : {{ invoice.amount_due }}{% if invoice.days_late %} ({{ invoice.days_late }} jours de retard){% endif %}{% if invoice.on_hold %}, hors {{ invoice.on_hold }} en attente de notre réponse à votre contestation{% endif %}
{%- endfor %}"""

INVOICE_LIST_EN = """{% for invoice in invoices %}
- invoice {{ invoice.number }} of {{ invoice.issue_date }}, due {{ invoice.due_date }}: {{ invoice.amount_due }}{% if invoice.days_late %} ({{ invoice.days_late }} days late){% endif %}{% if invoice.on_hold %}, not counting {{ invoice.on_hold }} on hold while we look into your dispute{% endif %}
{%- endfor %}"""

PAY_LINK_FR = "Régler en ligne (carte, prélèvement ou virement) : {{ portal_link }}"
PAY_LINK_EN = "Pay online (card, direct debit or transfer): {{ portal_link }}"

SIGNATURE_FR = """Bien cordialement,
{{ creditor.name }}
{{ creditor.email }}{% if creditor.phone %} · {{ creditor.phone }}{% endif %}"""

SIGNATURE_EN = """Kind regards,
{{ creditor.name }}
{{ creditor.email }}{% if creditor.phone %} · {{ creditor.phone }}{% endif %}"""

COURTESY = {
    "fr": (
        "Rappel : échéance prochaine de votre facture {{ invoices[0].number }}",
        """Bonjour,

Petit rappel amical : le règlement suivant arrive bientôt à échéance.
"""
        + INVOICE_LIST_FR
        + """

Montant : {{ total_due }}. Vous pouvez régler en ligne (carte, prélèvement ou virement) en quelques secondes :
{{ portal_link }}

Si le paiement est déjà parti, merci et ne tenez pas compte de ce message.

"""
        + SIGNATURE_FR,
    ),
    "en": (
        "Reminder: invoice {{ invoices[0].number }} is due soon",
        """Hello,

A friendly heads-up: the following payment is due soon.
"""
        + INVOICE_LIST_EN
        + """

Amount: {{ total_due }}. You can pay online (card, direct debit or transfer) in a few seconds:
{{ portal_link }}

If you have already paid, thank you, and please disregard this message.

"""
        + SIGNATURE_EN,
    ),
}

FIRST = {
    "fr": (
        "Facture impayée : {{ total_due }}",
        """Bonjour,

Sauf erreur de notre part, nous n'avons pas encore reçu le règlement suivant. Il s'agit probablement d'un simple oubli.
"""
        + INVOICE_LIST_FR
        + """

Total dû : {{ total_due }}. Pour régler maintenant, ou nous signaler un problème sur une facture :
{{ portal_link }}

Si vous avez réglé entre-temps, merci et veuillez ne pas tenir compte de ce message.

"""
        + SIGNATURE_FR,
    ),
    "en": (
        "Unpaid invoice: {{ total_due }}",
        """Hello,

Unless we are mistaken, we have not yet received the following payment. It is probably a simple oversight.
"""
        + INVOICE_LIST_EN
        + """

Total due: {{ total_due }}. To pay now, or to tell us about a problem with an invoice:
{{ portal_link }}

If you have paid in the meantime, thank you, and please disregard this message.

"""
        + SIGNATURE_EN,
    ),
}

SECOND_BUSINESS = {
    "fr": (
        "Deuxième relance : {{ total_due }} restent impayés",
        """Bonjour,

Malgré notre précédent message, le règlement suivant reste en attente :
"""
        + INVOICE_LIST_FR
        + """

Total dû : {{ total_due }}.{% if indemnity_cents %} Nous vous rappelons que tout retard de paiement entraîne de plein droit des pénalités de retard ({{ penalties }} à ce jour) ainsi qu'une indemnité forfaitaire pour frais de recouvrement de {{ indemnity }} par facture (articles L441-10 et D441-5 du Code de commerce).{% endif %}

Réglez en ligne ou contactez-nous si quelque chose bloque :
{{ portal_link }}

"""
        + SIGNATURE_FR,
    ),
    "en": (
        "Second reminder: {{ total_due }} still unpaid",
        """Hello,

Despite our previous message, the following payment is still outstanding:
"""
        + INVOICE_LIST_EN
        + """

Total due: {{ total_due }}.{% if indemnity_cents %} Please note that late payment automatically incurs late-payment penalties ({{ penalties }} to date) and a fixed recovery indemnity of {{ indemnity }} per invoice (French Commercial Code, articles L441-10 and D441-5).{% endif %}

Pay online, or contact us if something is holding things up:
{{ portal_link }}

"""
        + SIGNATURE_EN,
    ),
}

SECOND_CONSUMER = {
    "fr": (
        "Deuxième relance : {{ total_due }} restent à régler",
        """Bonjour,

Nous revenons vers vous au sujet du règlement suivant, toujours en attente :
"""
        + INVOICE_LIST_FR
        + """

Total dû : {{ total_due }}. Vous pouvez régler en ligne, demander un échéancier ou nous poser une question ici :
{{ portal_link }}

"""
        + SIGNATURE_FR,
    ),
    "en": (
        "Second reminder: {{ total_due }} still to pay",
        """Hello,

We are writing again about the following payment, which is still outstanding:
"""
        + INVOICE_LIST_EN
        + """

Total due: {{ total_due }}. You can pay online, ask for a payment plan or send us a question here:
{{ portal_link }}

"""
        + SIGNATURE_EN,
    ),
}

THIRD = {
    "fr": (
        "Dernière relance avant mise en demeure : {{ total_due }}",
        """Bonjour,

Le règlement suivant n'a toujours pas été reçu :
"""
        + INVOICE_LIST_FR
        + """

Total dû : {{ total_due }}. Nous vous remercions de procéder au paiement sous 8 jours. Si vous contestez une facture ou ne pouvez pas payer en une fois, vous pouvez, sous le même délai, nous le signaler ou proposer un échéancier directement en ligne :
{{ portal_link }}

Sans réponse de votre part, nous serons contraints de vous adresser une mise en demeure.

"""
        + SIGNATURE_FR,
    ),
    "en": (
        "Final reminder before formal notice: {{ total_due }}",
        """Hello,

We still have not received the following payment:
"""
        + INVOICE_LIST_EN
        + """

Total due: {{ total_due }}. Please pay within 8 days. If you dispute an invoice or cannot pay in one go, you can, within the same period, tell us or propose a payment plan online:
{{ portal_link }}

Without a reply, we will have to send you a formal notice.

"""
        + SIGNATURE_EN,
    ),
}

FORMAL_NOTICE = {
    "fr": (
        "Mise en demeure de payer : {{ total_due }}",
        """Madame, Monsieur,

Malgré nos relances, les sommes suivantes restent impayées :
"""
        + INVOICE_LIST_FR
        + """

Par la présente, nous vous mettons en demeure de régler la somme de {{ total_due }}{% if penalties_cents %}, majorée des pénalités de retard ({{ penalties }} à ce jour){% endif %}{% if indemnity_cents %} et de l'indemnité forfaitaire pour frais de recouvrement ({{ indemnity }} par facture){% endif %}, au plus tard le {{ deadline }}.

Vous trouverez la lettre de mise en demeure en pièce jointe. Pour régler ou nous contacter :
{{ portal_link }}

À défaut de règlement dans ce délai, nous nous réservons le droit d'engager une procédure de recouvrement judiciaire.

"""
        + SIGNATURE_FR,
    ),
    "en": (
        "Formal notice to pay: {{ total_due }}",
        """Dear Sir or Madam,

Despite our reminders, the following amounts remain unpaid:
"""
        + INVOICE_LIST_EN
        + """

We hereby give you formal notice to pay {{ total_due }}{% if penalties_cents %}, plus late-payment penalties ({{ penalties }} to date){% endif %}{% if indemnity_cents %} and the fixed recovery indemnity ({{ indemnity }} per invoice){% endif %}, by {{ deadline }} at the latest.

The formal notice letter is attached. To pay or contact us:
{{ portal_link }}

Failing payment within this period, we reserve the right to take legal action to recover the debt.

"""
        + SIGNATURE_EN,
    ),
}

ESCALATION = {
    "fr": (
        "Décider de la suite pour {{ customer.name }}",
        "Les relances et la mise en demeure sont restées sans effet. Appeler le client, confier le dossier à un "
        "cabinet de recouvrement ou demander une injonction de payer.",
    ),
    "en": (
        "Decide what to do next for {{ customer.name }}",
        "Reminders and the formal notice had no effect. Call the customer, hand the file to a collection agency "
        "or apply for a court payment order (injonction de payer).",
    ),
}

#: (name, customer kind, [(step name, day offset, kind, tone, templates)])
SCENARIOS = [
    (
        "Professionnels",
        "business",
        [
            ("Courtesy notice", -3, "email", "friendly", COURTESY),
            ("First reminder", 1, "email", "friendly", FIRST),
            ("Second reminder", 8, "email", "firm", SECOND_BUSINESS),
            ("Third reminder", 15, "email", "firm", THIRD),
            ("Formal notice", 30, "formal_notice", "formal", FORMAL_NOTICE),
            ("Escalation", 45, "task", "formal", ESCALATION),
        ],
    ),
    (
        "Particuliers",
        "consumer",
        [
            ("Courtesy notice", -3, "email", "friendly", COURTESY),
            ("First reminder", 1, "email", "friendly", FIRST),
            ("Second reminder", 10, "email", "friendly", SECOND_CONSUMER),
            ("Third reminder", 20, "email", "firm", THIRD),
            ("Formal notice", 45, "formal_notice", "formal", FORMAL_NOTICE),
            ("Escalation", 60, "task", "formal", ESCALATION),
        ],
    ),
]
