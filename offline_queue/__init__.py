"""The terminal's durable local state: the SQLite ledger, the outbox and the sync engine."""
