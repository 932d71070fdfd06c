"""Forms of the users page (kept apart from the dashboard's other forms)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length


def _role_choices():
    return [("collector", _l("Collector")), ("owner", _l("Owner"))]


class InviteForm(FlaskForm):
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Length(max=200)])
    role = SelectField(_l("Role"), choices=_role_choices(), default="collector")


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=_role_choices())


class TwoFactorRequirementForm(FlaskForm):
    required = BooleanField(_l("Every user must log in with an authenticator app"))
