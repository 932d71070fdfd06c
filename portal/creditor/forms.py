"""Forms of the creditor's dashboard."""

from flask_babel import format_decimal, gettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import TextInput

from portal.models import PaymentMethod
from portal.values import dates
from portal.values.money import parse_decimal


class LocalDecimalField(DecimalField):
    """A number shown and read as the reader writes it: `10,00` in French, `10.00` in English.

    WTForms' own field shows `10.00` and refuses `10,00`, the only way a French
    user writes it (and a number input would not show it). `unit` (€, %, points)
    is shown beside the input.
    """

    widget = TextInput()

    def __init__(self, label=None, validators=None, unit: str = "", **kwargs):
        kwargs.setdefault("render_kw", {"inputmode": "decimal", "autocomplete": "off"})
        super().__init__(label, validators, **kwargs)
        self.unit = unit

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return format_decimal(self.data, format="0.00")

    def process_formdata(self, valuelist) -> None:
        text = (valuelist[0] if valuelist else "").strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_decimal(text)
        except (ValueError, ArithmeticError) as exc:
            self.data = None
            raise ValueError(gettext("Not a valid decimal value.")) from exc


LANGUAGE_CHOICES = [("fr", "Français"), ("en", "English")]


def sane_year(form, field) -> None:
    """A date in the year 9999 is a typing mistake, and would overflow date arithmetic."""
    if field.data is not None and not dates.MIN_YEAR <= field.data.year <= dates.MAX_YEAR:
        raise ValidationError(_l("Enter a date between 1900 and 2199."))


def method_choices():
    labels = {
        PaymentMethod.TRANSFER: _l("Bank transfer"),
        PaymentMethod.CARD: _l("Card"),
        PaymentMethod.SEPA_DEBIT: _l("SEPA direct debit"),
        PaymentMethod.CHEQUE: _l("Cheque"),
        PaymentMethod.CASH: _l("Cash"),
        PaymentMethod.OTHER: _l("Other"),
    }
    return [(m.value, labels[m]) for m in PaymentMethod]


class PaymentForm(FlaskForm):
    amount = DecimalField(
        _l("Amount"),
        places=2,
        validators=[DataRequired(), NumberRange(min=0.01)],
        render_kw={"inputmode": "decimal"},
    )
    paid_on = DateField(_l("Date received"), validators=[DataRequired(), sane_year])
    method = SelectField(_l("Method"), choices=method_choices)
    reference = StringField(_l("Reference"), validators=[Optional(), Length(max=140)])


#: Where French customers live outside mainland France, and a few neighbours.
TIMEZONE_CHOICES = [
    ("", _l("Same as your organisation")),
    ("Europe/Paris", "Europe/Paris"),
    ("America/Guadeloupe", _l("Guadeloupe, Saint-Martin, Saint-Barthélemy")),
    ("America/Martinique", _l("Martinique")),
    ("America/Cayenne", _l("French Guiana")),
    ("America/Miquelon", _l("Saint-Pierre-et-Miquelon")),
    ("Indian/Reunion", _l("Réunion")),
    ("Indian/Mayotte", _l("Mayotte")),
    ("Pacific/Noumea", _l("New Caledonia")),
    ("Pacific/Tahiti", _l("French Polynesia (Tahiti)")),
    ("Pacific/Wallis", _l("Wallis and Futuna")),
    ("Europe/London", "Europe/London"),
    ("America/Montreal", "America/Montreal"),
]


class ContactsForm(FlaskForm):
    emails = TextAreaField(
        _l("Email addresses (one per line; the first is the main contact)"),
        validators=[DataRequired()],
        render_kw={"rows": 3},
    )
    phone = StringField(_l("Phone"), validators=[Optional(), Length(max=40)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=20)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    language = SelectField(_l("Language of messages"), choices=LANGUAGE_CHOICES)
    timezone = SelectField(
        _l("Timezone (reminders reach them between 08:00 and 20:00 there)"),
        choices=TIMEZONE_CHOICES,
        validate_choice=False,
    )


class NoticePostedForm(FlaskForm):
    """A formal notice letter the creditor posted: the one the portal made (`letter_id`) or theirs."""

    letter_id = HiddenField(validators=[Optional(), Regexp(r"^\d{1,12}$")])
    posted_on = DateField(_l("Posted on"), validators=[DataRequired()])
    registered = BooleanField(_l("Registered letter with acknowledgement of receipt"), default=True)
    tracking_number = StringField(_l("Tracking number"), validators=[Optional(), Length(max=40)])


class PauseForm(FlaskForm):
    until = DateField(_l("Pause reminders until"), validators=[Optional(), sane_year])
    action = HiddenField(default="pause")


class ImportUploadForm(FlaskForm):
    kind = SelectField(
        _l("What the file contains"),
        choices=[
            ("customers", _l("Customers")),
            ("invoices", _l("Invoices")),
            ("payments", _l("Payments")),
        ],
    )
    file = FileField(_l("CSV file"), validators=[FileRequired()])


class ImportConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{20,64}$")])
    kind = HiddenField(validators=[DataRequired()])


class SettingsForm(FlaskForm):
    legal_name = StringField(_l("Legal name"), validators=[DataRequired(), Length(max=200)])
    trade_name = StringField(_l("Trade name"), validators=[Optional(), Length(max=200)])
    address = StringField(_l("Address"), validators=[Optional(), Length(max=300)])
    postcode = StringField(_l("Postcode"), validators=[Optional(), Length(max=20)])
    city = StringField(_l("City"), validators=[Optional(), Length(max=100)])
    siren = StringField(
        _l("SIREN"), validators=[Optional(), Regexp(r"^\d{9}$", message=_l("9 digits."))]
    )
    siret = StringField(
        _l("SIRET"), validators=[Optional(), Regexp(r"^\d{14}$", message=_l("14 digits."))]
    )
    vat_number = StringField(_l("VAT number"), validators=[Optional(), Length(max=20)])
    contact_email = EmailField(_l("Contact email"), validators=[Optional(), Email()])
    contact_phone = StringField(_l("Contact phone"), validators=[Optional(), Length(max=40)])
    iban = StringField(_l("IBAN"), validators=[Optional(), Length(max=42)])
    bic = StringField(
        _l("BIC"),
        validators=[
            Optional(),
            Regexp(r"^[A-Za-z0-9]{8}([A-Za-z0-9]{3})?$", message=_l("8 or 11 letters and digits.")),
        ],
    )
    current_password = PasswordField(
        _l("Your password, to change the bank details"), validators=[Optional()]
    )
    language = SelectField(_l("Default language"), choices=LANGUAGE_CHOICES)
    payment_terms_days = IntegerField(
        _l("Usual payment terms (days)"), validators=[DataRequired(), NumberRange(min=0, max=60)]
    )
    penalty_rate_basis = SelectField(
        _l("Late-payment penalty rate"),
        choices=[
            ("statutory", _l("None in my terms: the law's ECB rate + 10 points")),
            ("ecb_margin", _l("My terms: the ECB rate + a margin")),
            ("fixed", _l("My terms: a fixed annual rate")),
        ],
    )
    penalty_margin_points = LocalDecimalField(
        _l("Margin of my terms: points above the ECB rate"),
        unit=_l("points"),
        places=2,
        validators=[Optional(), NumberRange(min=0, max=50)],
    )
    penalty_fixed_rate = LocalDecimalField(
        _l("Fixed rate of my terms, in percent a year"),
        unit="%",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=50)],
    )
    recovery_indemnity = LocalDecimalField(
        _l("Fixed recovery indemnity per late invoice (business customers)"),
        unit="€",
        places=2,
        validators=[
            Optional(),
            NumberRange(min=0, max=40, message=_l("The law sets it at 40 €: claim less or 40 €.")),
        ],
    )
    charge_penalties = BooleanField(_l("Claim late-payment penalties in formal notices"))
    formal_notice_channel = SelectField(
        _l("Formal notices are sent"),
        choices=[
            ("email", _l("By email, with the letter attached")),
            ("post", _l("By post only: the portal prepares the letter and a task to post it")),
            ("both", _l("By post and by email")),
        ],
    )
    alsace_moselle_holidays = BooleanField(
        _l("Alsace-Moselle: no reminders on Good Friday and 26 December either")
    )
    risk_threshold = IntegerField(
        _l("Payer-risk score from which the stricter scenario applies"),
        validators=[Optional(), NumberRange(min=1, max=100)],
    )
    risk_scenario_id = SelectField(
        _l("Stricter scenario"),
        coerce=lambda value: int(value) if value not in (None, "", "None") else None,
        validate_choice=True,
    )
    """Its choices, the existing scenarios, are set by the view."""
    plans_enabled = BooleanField(_l("Let customers propose payment plans"))
    plan_max_instalments = IntegerField(
        _l("Maximum number of instalments"), validators=[Optional(), NumberRange(min=1, max=60)]
    )
    plan_max_days = IntegerField(
        _l("Maximum duration (days)"), validators=[Optional(), NumberRange(min=1, max=1095)]
    )
    plan_min_instalment = LocalDecimalField(
        _l("Minimum instalment"),
        unit="€",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=100000)],
    )
    plan_min_down_payment_pct = IntegerField(
        _l("Minimum first payment (percent of the total)"),
        validators=[Optional(), NumberRange(min=0, max=100)],
    )
    plan_frequency = SelectField(
        _l("Instalments"),
        choices=[
            ("monthly", _l("Monthly")),
            ("weekly", _l("Weekly")),
            ("chosen", _l("On dates the customer chooses")),
        ],
    )
    plan_auto_accept = LocalDecimalField(
        _l("Accept automatically up to (customers without a broken plan)"),
        unit="€",
        places=2,
        validators=[Optional(), NumberRange(min=0, max=10000000)],
    )


class StatementUploadForm(FlaskForm):
    file = FileField(_l("Statement file"), validators=[FileRequired()])


class StatementConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{20,64}$")])
    filename = HiddenField(validators=[Length(max=255)])
    add_accounts = HiddenField()
    #: The CSV columns chosen for this file (JSON, role → name), when they were asked.
    columns = HiddenField(validators=[Length(max=4000)])


class CsvColumnsForm(FlaskForm):
    """Which column of a bank's CSV export holds what; the choices are the file's own names."""

    token = HiddenField(validators=[DataRequired(), Regexp(r"^[A-Za-z0-9_-]{20,64}$")])
    filename = HiddenField(validators=[Length(max=255)])
    date = SelectField(_l("Date of the operation"))
    label = SelectField(_l("Label"))
    amount = SelectField(_l("Amount (signed: negative for a debit)"))
    debit = SelectField(_l("Debit"))
    credit = SelectField(_l("Credit"))
    value_date = SelectField(_l("Value date (optional)"))
    reference = SelectField(_l("Bank reference (optional)"))

    def offer(self, headers: list[str]) -> None:
        """Offer the file's column names in every select, and none."""
        choices = [("", _l("(none)")), *((name, name) for name in headers)]
        for role in ROLE_FIELDS:
            self[role].choices = choices

    def chosen(self) -> dict[str, str]:
        return {role: self[role].data or "" for role in ROLE_FIELDS}


ROLE_FIELDS = ("date", "label", "amount", "debit", "credit", "value_date", "reference")
