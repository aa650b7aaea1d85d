"""The ``/api/v1`` routes of service quality: the ratings feed, QoS reports, the day report."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Query, Request

from o2o_platform import quality, reports, services
from o2o_platform.auth import Terminal
from o2o_platform.db import Database
from wire.platform import DayReportOut, ErrorOut, QosIn, QosOut, RatingsOut

AUTH_ERRORS: dict[int | str, dict[str, Any]] = {401: {"model": ErrorOut, "description": "no valid terminal token"}}
router = APIRouter(prefix="/api/v1")


def _db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


@router.get("/ratings", response_model=RatingsOut, tags=["quality"],
            responses={**AUTH_ERRORS, 422: {"model": ErrorOut}})
def ratings(request: Request, caller: Terminal,
            since: str = Query(default="", max_length=20, description="cursor from the last answer; "
                               "empty for everything")) -> dict[str, Any]:
    """Customers' ratings of this store's redemptions since a cursor (a delta feed, like revocations)."""
    try:
        rows, cursor, more = quality.ratings_since(_db(request), caller, since)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"ratings": [quality.rating_payload(r) for r in rows], "cursor": cursor, "more": more}


@router.post("/qos", response_model=QosOut, tags=["quality"],
             responses={**AUTH_ERRORS, 413: {"model": ErrorOut}, 422: {"model": ErrorOut}})
def report_qos(body: QosIn, request: Request, caller: Terminal) -> dict[str, Any]:
    """Store this terminal's service-quality figures for a business day (the latest replaces earlier ones)."""
    try:
        quality.store_qos(_db(request), caller, body.business_date, body.figures, now=services.utcnow())
    except quality.FiguresTooLarge as exc:
        raise HTTPException(413, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return {"stored": True}


@router.get("/reports/day", response_model=DayReportOut, tags=["quality"],
            responses={**AUTH_ERRORS, 400: {"model": ErrorOut, "description": "a day outside 2000-01-01 to "
                                                                             "9998-12-31"},
                       422: {"model": ErrorOut}})
def day_report(request: Request, caller: Terminal,
               day: str = Query(alias="date", max_length=10, description="YYYY-MM-DD"),
               tz: str = Query(default="UTC", max_length=64, description="IANA time zone of the day's "
                               "boundaries, e.g. Asia/Shanghai")) -> dict[str, Any]:
    """The platform's view of this store's day (same content as ``o2o-platform report``)."""
    try:
        return reports.day_report(_db(request), caller.store_id, day, tz)
    except reports.DayOutOfRange as exc:
        raise HTTPException(400, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
