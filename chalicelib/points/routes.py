"""Admin routes of the points ledger: balance and ledger, redemption, adjustment, tasks,
reconciliation, earning rules."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chalicelib.core.http import ApiBlueprint
from chalicelib.core.lazy import lazy_import

if TYPE_CHECKING:
    from chalicelib.contacts import queries as contacts
    from chalicelib.core.paging import PageRequest
    from chalicelib.identity.models import Principal
    from chalicelib.points import service
    from chalicelib.points.models import (
        Account,
        AdjustIn,
        EarningRules,
        LedgerEntry,
        Reconciliation,
        RedeemIn,
        TaskIn,
    )
else:
    contacts = lazy_import("chalicelib.contacts.queries")
    service = lazy_import("chalicelib.points.service")

blueprint = ApiBlueprint(__name__, models="chalicelib.points.models")
POINTS = "/admin/contacts/{external_userid}/points"
RULES = "/admin/points/rules"


@blueprint.get(POINTS, "staff", response="Account", page=(100, 500))
def get_points(external_userid: str, page: PageRequest) -> Account:
    """A contact's balance and ledger, newest entry first."""
    contact = contacts.require_contact(external_userid)
    return service.account(contact, page.limit, page.cursor)


@blueprint.post(f"{POINTS}/redeem", "operator", body="RedeemIn", response="LedgerEntry")
def redeem_points(external_userid: str, body: RedeemIn, principal: Principal) -> LedgerEntry:
    """Spend points (never below zero); a repeated request_id changes nothing."""
    return service.redeem(contacts.require_contact(external_userid), body, principal.userid)


@blueprint.post(f"{POINTS}/adjust", "operator", body="AdjustIn", response="LedgerEntry")
def adjust_points(external_userid: str, body: AdjustIn, principal: Principal) -> LedgerEntry:
    """Add or remove points by hand, with a reason; the operator is recorded."""
    contact = contacts.require_contact(external_userid)
    return service.adjust(contact, body, principal.userid, principal.role)


@blueprint.post(f"{POINTS}/tasks", "operator", body="TaskIn", response="LedgerEntry")
def award_task_points(external_userid: str, body: TaskIn, principal: Principal) -> LedgerEntry:
    """Task points (joined a group, …) once per task and reference."""
    return service.award_task(contacts.require_contact(external_userid), body, principal.userid)


@blueprint.get(f"{POINTS}/reconcile", "viewer", response="Reconciliation")
def reconcile_points(external_userid: str) -> Reconciliation:
    """Prove the balance equals the sum of the ledger."""
    return service.reconcile(contacts.require_contact(external_userid))


@blueprint.get(RULES, "viewer", response="EarningRules")
def get_earning_rules() -> EarningRules:
    return service.rules()


@blueprint.put(RULES, "admin", body="EarningRules", response="EarningRules")
def put_earning_rules(body: EarningRules, principal: Principal) -> EarningRules:
    return service.put_rules(body, principal.userid)
