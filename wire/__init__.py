"""The wire format shared by the platform and the kiosk's client of it.

Pydantic models only (no web framework, database or HTTP library), so both sides can import them:
``o2o_platform`` declares its endpoints with them (they are the OpenAPI document's schemas) and
the kiosk's client (``platform_link``) reads the platform's answers with them.
"""
