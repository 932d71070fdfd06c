"""Forms of the debtor's pages."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField
from wtforms.validators import DataRequired, Email, Length


class FreshLinkForm(FlaskForm):
    email = EmailField(
        _l("Your email address"), validators=[DataRequired(), Email(), Length(max=254)]
    )
