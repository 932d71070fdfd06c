"""The `portal` command group: schema, demo data, users and imports.

Commands parse their arguments and call services, nothing more.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import FlaskGroup, ScriptInfo, with_appcontext

from portal import clock
from portal.extensions import db


def _create_app(*args, **kwargs) -> Flask:
    """The whole portal, with its migrations (`portal db revision` and the like)."""
    from portal import create_app
    from portal.services import schema

    app = create_app()
    schema.register_migrations(app)
    return app


def _create_database_app(*args, **kwargs) -> Flask:
    from portal import create_app

    return create_app(web=False)


class PortalGroup(FlaskGroup):
    """Flask's command group, which starts a command needing only the database lean.

    `portal import` works on the database alone: the whole portal (blueprints,
    PDF and spreadsheet libraries, Stripe, Alembic) took longer to start than
    importing a thousand-line file, so its app is `create_app(web=False)`.
    """

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        command = DATABASE_COMMANDS.get(name)
        if command is None:
            return super().get_command(ctx, name)
        info = ctx.ensure_object(ScriptInfo)
        info.create_app = _create_database_app
        ctx.with_resource(info.load_app().app_context())
        return command


@click.group(cls=PortalGroup, create_app=_create_app)
def main() -> None:
    """Collections portal administration."""


def init_app(app: Flask) -> None:
    app.cli.add_command(init_command)
    app.cli.add_command(demo_command)
    app.cli.add_command(user_group)
    app.cli.add_command(import_command)
    app.cli.add_command(serve_command)
    app.cli.add_command(link_command)
    app.cli.add_command(reminders_group)
    app.cli.add_command(scheduler_command)
    app.cli.add_command(outbox_group)

    from portal.analytics_commands import kpis_command
    from portal.backup_commands import backup_command, restore_command
    from portal.bank_commands import bank_group
    from portal.claim_commands import claim_command

    app.cli.add_command(bank_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(claim_command)
    app.cli.add_command(kpis_command)


@click.command("init")
@with_appcontext
def init_command() -> None:
    """Create the database schema, or upgrade it to the latest version."""
    from portal.services import schema
    from portal.services.audit import Actor
    from portal.services.dunning import scenarios

    schema.upgrade()
    scenarios.install_defaults(now=clock.now(), actor=Actor.cli())
    db.session.commit()
    click.echo(
        f"Database ready: {schema.describe_url(current_app.config['SQLALCHEMY_DATABASE_URI'])}"
    )


@click.command("demo")
@click.option("--reset", is_flag=True, help="Delete every row first, then load the demo data.")
@click.option("--if-empty", is_flag=True, help="Load only when the database is empty.")
@with_appcontext
def demo_command(reset: bool, if_empty: bool) -> None:
    """Load deterministic demo data (about 30 customers and 200 invoices)."""
    from portal.services import schema
    from portal.services.demo import catalogue, demo_data, demo_statement

    schema.upgrade()
    if reset:
        demo_data.wipe()
    loaded = not demo_data.has_data()
    if not loaded:
        if not if_empty:
            raise click.ClickException("The database already has data; use --reset to replace it.")
        click.echo("The database already has data: demo not loaded.")
    else:
        summary = demo_data.load(today=clock.today(), now=clock.now())
        statement = demo_statement.write_statement(
            Path(current_app.instance_path) / "demo-statement.xml",
            today=clock.today(),
            now=clock.now(),
        )
        db.session.commit()
        click.echo(
            f"Demo loaded: {summary.customers} customers, {summary.invoices} invoices, "
            f"{summary.payments} payments."
        )
        click.echo(f"Bank statement to try: portal bank import {statement}")
    click.echo(f"Creditor login: {catalogue.DEMO_EMAIL} / {catalogue.DEMO_PASSWORD}")
    if loaded:
        for line in demo_data.debtor_link_lines(
            base_url=current_app.config["BASE_URL"], now=clock.now(), today=clock.today()
        ):
            click.echo(line)


@click.group("user")
def user_group() -> None:
    """Creditor user accounts."""


@user_group.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice(["owner", "collector"]), default="collector")
@click.option("--name", default="")
@with_appcontext
def user_create(email: str, role: str, name: str) -> None:
    """Create a user; the password comes from PORTAL_USER_PASSWORD or a prompt."""
    from portal.services import accounts
    from portal.services.audit import Actor
    from portal.services.errors import DomainError

    password = os.environ.get("PORTAL_USER_PASSWORD") or click.prompt(
        "Password", hide_input=True, confirmation_prompt=True
    )
    try:
        user = accounts.create_user(
            email, password, role=role, name=name, actor=Actor.cli(), now=clock.now()
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.role} {user.email}")


@user_group.command("reset-password")
@click.argument("email")
@click.option(
    "--disable-two-factor", is_flag=True, help="Also turn off two-step login (a lost phone)."
)
@with_appcontext
def user_reset_password(email: str, disable_two_factor: bool) -> None:
    """Set a user's password (PORTAL_USER_PASSWORD or a prompt): an owner locked out.

    Also lifts a login lock and ends the user's sessions.
    """
    from portal.services import accounts
    from portal.services.audit import Actor
    from portal.services.errors import DomainError

    user = accounts.get_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with the address {email}.")
    password = os.environ.get("PORTAL_USER_PASSWORD") or click.prompt(
        "New password", hide_input=True, confirmation_prompt=True
    )
    try:
        accounts.set_password(user, password, actor=Actor.cli(), now=clock.now())
        if disable_two_factor:
            from portal.services import two_factor

            two_factor.disable(user, actor=Actor.cli(), now=clock.now())
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"New password set for {user.email}; their sessions have ended.")
    if not user.active:
        click.echo("This user is deactivated: an owner can reactivate them on the Users page.")


@click.command("import")
@click.argument("kind", type=click.Choice(["customers", "invoices", "payments"]))
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and report, write nothing.")
@with_appcontext
def import_command(kind: str, file: Path, dry_run: bool) -> None:
    """Import a CSV file of customers, invoices or payments (all or nothing)."""
    from portal.services.audit import Actor
    from portal.services.imports.importer import import_csv

    with file.open("rb") as stream:
        result = import_csv(
            kind, stream, actor=Actor.cli(), now=clock.now(), dry_run=dry_run, filename=file.name
        )
    if result.errors:
        for error in result.errors:
            click.echo(str(error), err=True)
        click.echo(f"{len(result.errors)} problem(s): nothing was imported.", err=True)
        sys.exit(1)
    prefix = "Dry run: would have " if dry_run else ""
    click.echo(
        f"{prefix}created {result.created}, updated {result.updated}, unchanged {result.unchanged}"
    )
    if result.kind_missing:
        click.echo(
            f"{result.kind_missing} new customer(s) without a kind in the file:"
            " treated as businesses (business or consumer in the kind column changes that)"
        )


#: Commands whose app is `create_app(web=False)` when run as `portal <name>`.
DATABASE_COMMANDS = {"import": import_command}


def links_follow_the_server(app: Flask, host: str, port: int) -> str:
    """The address links point at: PORTAL_BASE_URL if set, else where `serve` answers.

    Without it, `make run PORT=8080` served on 8080 while every email and debtor
    link said 5000. The environment carries it to the scheduler child, which
    writes the reminders.
    """
    from portal import config as defaults

    if app.config["BASE_URL"] != defaults.BASE_URL or os.environ.get("PORTAL_BASE_URL"):
        return app.config["BASE_URL"]
    link_host = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    base = f"http://{link_host}:{port}"
    app.config["BASE_URL"] = base
    os.environ["PORTAL_BASE_URL"] = base
    return base


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@with_appcontext
def serve_command(host: str, port: int) -> None:
    """Serve the portal and its scheduler for a demo or a trial (production: deploy/)."""
    from portal.services.demo import catalogue, demo_data

    app = current_app._get_current_object()
    base = links_follow_the_server(app, host, port)
    click.echo("")
    click.echo(f"  Collections portal on http://{host}:{port}")
    if demo_data.has_data():
        click.echo(f"  Creditor login: {catalogue.DEMO_EMAIL} / {catalogue.DEMO_PASSWORD}")
        for line in demo_data.debtor_link_lines(
            base_url=base, now=clock.now(), today=clock.today()
        ):
            click.echo(f"  {line}")
    if clock.frozen_today():
        click.echo(f"  Today is frozen on {clock.frozen_today().isoformat()} (PORTAL_TODAY)")
    click.echo("")
    from werkzeug.serving import run_simple

    from portal import scheduler

    with scheduler.beside_server():  # stopped with the server (Ctrl-C stops both)
        run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command("scheduler")
@click.option("--once", is_flag=True, help="Run the jobs once and exit (for cron and tests).")
@with_appcontext
def scheduler_command(once: bool) -> None:
    """Send reminders, then queued emails, every 15 minutes; one scheduler per database."""
    from portal import scheduler

    sys.exit(scheduler.main(current_app._get_current_object(), once=once))


@click.group("reminders")
def reminders_group() -> None:
    """The dunning engine."""


@reminders_group.command("run")
@click.option(
    "--today", "today_text", default=None, help="Run as at 10:00 on this day (YYYY-MM-DD)."
)
@click.option("--dry-run", is_flag=True, help="Print what would be done, write nothing.")
@with_appcontext
def reminders_run(today_text: str | None, dry_run: bool) -> None:
    """One scheduler tick's decisions (promises, dunning pass, plans), printing each action."""
    from datetime import date

    from portal.services import decision_jobs
    from portal.services.dunning.dunning_settings import DunningSettings

    now = clock.now()
    if today_text:
        try:
            now = clock.working_moment(date.fromisoformat(today_text))
        except ValueError as exc:
            raise click.BadParameter("expected YYYY-MM-DD", param_hint="--today") from exc
    settings = DunningSettings.from_config(current_app.config)
    decisions = decision_jobs.run_decisions(now, settings, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    result = decisions.reminders
    if result.waiting_for_window:
        click.echo(f"{now.isoformat()}: outside the sending window; nothing sent, actions wait.")
        return
    for line in result.lines:
        click.echo(f"{line.customer_ref}\t{line.invoice_number}\t{line.step}\t{line.outcome}")
    prefix = "Dry run: would have sent" if dry_run else "Sent"
    click.echo(
        f"{prefix} {result.emails} email(s), {result.tasks} task(s); {result.skipped} step(s) skipped."
    )
    for line in decision_jobs.describe(decisions)[1:]:
        click.echo(line.capitalize())
    if dry_run:
        click.echo(
            "Promise and plan reviews change state as they decide: a dry run leaves them out."
        )


@click.command("link")
@click.argument("customer_ref")
@click.option("--days", type=int, default=None, help="Days the link stays valid.")
@with_appcontext
def link_command(customer_ref: str, days: int | None) -> None:
    """Print a fresh access link for a customer (shown once: only its hash is kept)."""
    from portal.services import customers, links
    from portal.services.audit import Actor
    from portal.services.errors import DomainError

    customer = customers.get_by_ref(customer_ref)
    if customer is None:
        click.echo(f"No customer with the reference {customer_ref!r}.", err=True)
        sys.exit(1)
    try:
        token = links.create(
            customer,
            now=clock.now(),
            days=days if days is not None else current_app.config["LINK_VALIDITY_DAYS"],
            actor=Actor.cli(),
        )
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(links.absolute_url(token, current_app.config["BASE_URL"]))


@click.group("outbox")
def outbox_group() -> None:
    """Outgoing email."""


@outbox_group.command("send")
@with_appcontext
def outbox_send() -> None:
    """Deliver the messages that are due now over SMTP (PORTAL_SMTP_URL)."""
    from portal.services.errors import DomainError
    from portal.services.mail import delivery
    from portal.services.mail.delivery_settings import DeliverySettings

    try:
        settings = DeliverySettings.from_config(current_app.config)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
    report = delivery.deliver_due(clock.now(), settings=settings)
    click.echo(str(report))
    if report.error:
        sys.exit(1)
