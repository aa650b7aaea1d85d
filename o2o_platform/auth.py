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
