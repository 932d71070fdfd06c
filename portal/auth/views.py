"""Creditor authentication: first-run setup, login and logout."""

from flask import Blueprint

bp = Blueprint("auth", __name__)
