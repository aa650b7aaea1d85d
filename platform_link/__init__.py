"""The kiosk's link to the platform: its HTTP client and the sync engine that uploads the outbox and pulls
revocations, keys and ratings (the ledger itself stays in ``offline_queue``)."""
