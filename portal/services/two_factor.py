"""Two-step login: a code from an authenticator app (TOTP, RFC 6238), or a recovery code.

Off until the user turns it on, and on only once they typed a code from the
app, so a badly scanned QR code cannot lock anyone out. Each app code works
once (the last accepted 30-second step is kept), one step of clock drift
either way is forgiven. Ten recovery codes are shown once and kept as SHA-256
hashes: they carry 80 random bits each, so a fast hash is enough.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

import pyotp
import qrcode
import qrcode.image.svg
from sqlalchemy import delete, select

from portal.extensions import db
from portal.models import RecoveryCode, User
from portal.services import accounts, audit, login_lock
from portal.services.errors import N_, DomainError
from portal.services.login_lock import LockPolicy

RECOVERY_CODE_COUNT = 10
STEP = timedelta(seconds=30)


class InvalidCode(DomainError):
    pass


def _totp(user: User) -> pyotp.TOTP:
    return pyotp.TOTP(user.totp_secret)


def start_setup(user: User) -> str:
    """A new secret for the app to scan, kept unconfirmed (and unused) until `confirm`."""
    if user.totp_enabled:
        raise InvalidCode(N_("Two-step login is already on."))
    user.totp_secret = pyotp.random_base32()
    return user.totp_secret


def provisioning_uri(user: User, issuer: str) -> str:
    return _totp(user).provisioning_uri(name=user.email, issuer_name=issuer or "Portal")


def qr_data_uri(uri: str) -> str:
    """The QR code as a data: URI, so the secret never sits at a URL of its own."""
    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=2)
    code.add_data(uri)
    code.make(fit=True)
    svg = code.make_image(image_factory=qrcode.image.svg.SvgPathImage).to_string()
    return "data:image/svg+xml;base64," + base64.b64encode(svg).decode()


def _normalise(code: str) -> str:
    return "".join(c for c in (code or "").lower() if c.isalnum())


def _matching_step(user: User, code: str, now: datetime) -> int | None:
    """The time step whose app code is `code` (one step of drift allowed), if not used before."""
    if not user.totp_secret or not (len(code) == 6 and code.isdigit()):
        return None
    totp = _totp(user)
    for drift in (0, -1, 1):
        moment = now + drift * STEP
        if hmac.compare_digest(totp.at(moment), code):
            step = totp.timecode(moment)
            if user.totp_last_step is not None and step <= user.totp_last_step:
                return None
            return step
    return None


def confirm(user: User, code: str, *, now: datetime) -> list[str]:
    """Turn two-step login on with a first code from the app; returns the recovery codes."""
    step = _matching_step(user, _normalise(code), now)
    if step is None or user.totp_enabled:
        raise InvalidCode(N_("This code is not the one the app shows. Try the next one."))
    user.totp_enabled = True
    user.totp_last_step = step
    codes = _new_recovery_codes(user)
    actor = audit.Actor.user(user)
    audit.record(actor, "user.two_factor_enabled", "user", user.id, at=now)
    accounts.end_sessions(user, actor=actor, now=now, why="two_factor")
    return codes


def _hash(code: str) -> str:
    return hashlib.sha256(_normalise(code).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = base64.b32encode(secrets.token_bytes(10)).decode().lower()
        code = "-".join(raw[i : i + 4] for i in range(0, 16, 4))
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash(code)))
        codes.append(code)
    return codes


def verify(user: User, code: str, *, now: datetime) -> bool:
    """Whether `code` is the app's current code or an unused recovery code (then spent)."""
    code = _normalise(code)
    if not user.totp_enabled:
        return False
    step = _matching_step(user, code, now)
    if step is not None:
        user.totp_last_step = step
        return True
    row = db.session.scalar(
        select(RecoveryCode).where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash(code),
            RecoveryCode.used_at.is_(None),
        )
    )
    if row is None:
        return False
    row.used_at = now
    audit.record(
        audit.Actor.user(user),
        "user.recovery_code_used",
        "user",
        user.id,
        at=now,
        left=remaining_codes(user),
    )
    return True


def check_login_code(user: User, code: str, *, now: datetime, policy: LockPolicy) -> bool:
    """The second step of a login: wrong codes count towards the account's lock like passwords."""
    if login_lock.is_locked(user, now):
        return False
    if verify(user, code, now=now):
        login_lock.record_success(user)
        return True
    login_lock.record_failure(user, now=now, policy=policy)
    return False


def remaining_codes(user: User) -> int:
    return len(
        db.session.scalars(
            select(RecoveryCode.id).where(
                RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
            )
        ).all()
    )


def disable(user: User, *, actor: audit.Actor, now: datetime) -> None:
    """Back to the password alone (the user, who gave their password again, or the command line)."""
    if not user.totp_enabled and not user.totp_secret:
        return
    user.totp_enabled = False
    user.totp_secret = ""
    user.totp_last_step = None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    audit.record(actor, "user.two_factor_disabled", "user", user.id, at=now)
