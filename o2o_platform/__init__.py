"""The reference online platform: issues signed vouchers, redeems them, takes offline batches.

It shares only the wire format (:mod:`kiosk.codes`, :mod:`kiosk.money`, :mod:`kiosk.reasons`)
with the kiosk. Modules: :mod:`.keys` (Ed25519 key files and rotation), :mod:`.issuing`
(making codes and QR images), :mod:`.models` and :mod:`.db` (schema, engine, migrations),
:mod:`.services` (the decisions), :mod:`.auth`, :mod:`.api` and :mod:`.app` (HTTP), :mod:`.cli`.
"""
