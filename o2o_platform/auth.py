"""Bearer-token authentication of terminals."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from o2o_platform.db import Database
from o2o_platform.services import Caller, authenticate

_bearer = HTTPBearer(auto_error=False, description="the terminal token from POST /api/v1/enroll")


def current_terminal(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Caller:
    """The terminal behind the request's bearer token; 401 (and nothing done) otherwise."""
    if credentials is None:
        raise HTTPException(401, "this call needs 'Authorization: Bearer <terminal token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    db: Database = request.app.state.db
    with db.sessions() as session:
        caller = authenticate(session, credentials.credentials)
    if caller is None:
        raise HTTPException(401, "the terminal token is not valid (enroll the terminal again)",
                            headers={"WWW-Authenticate": "Bearer"})
    return caller


Terminal = Annotated[Caller, Depends(current_terminal)]


def not_valid() -> HTTPException:
    return HTTPException(401, "the terminal token is not valid (enroll the terminal again)",
                         headers={"WWW-Authenticate": "Bearer"})


async def bearer_token(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The request's bearer token, not yet checked: the handler checks it inside its own database
    transaction (one thread-pool hop and one connection per request instead of two). Should the
    body then fail validation, the 422 handler checks the token first (:func:`check_deferred_token`),
    so a bad token still gets 401 whatever the body."""
    if credentials is None:
        raise HTTPException(401, "this call needs 'Authorization: Bearer <terminal token>'",
                            headers={"WWW-Authenticate": "Bearer"})
    request.state.deferred_token = credentials.credentials
    return credentials.credentials


def check_deferred_token(request: Request) -> bool | None:
    """For a request whose token :func:`bearer_token` left unchecked: whether it is valid (None when
    the request had no such token)."""
    token: str | None = getattr(request.state, "deferred_token", None)
    if token is None:
        return None
    db: Database = request.app.state.db
    with db.sessions() as session:
        return authenticate(session, token) is not None


BearerToken = Annotated[str, Depends(bearer_token)]
