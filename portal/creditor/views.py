"""The creditor's dashboard."""

from flask import Blueprint

bp = Blueprint("creditor", __name__)
