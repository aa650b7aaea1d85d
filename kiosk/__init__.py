"""The kiosk's domain: voucher codes, redemption decisions, offline policy, reports, roles.

Pure Python. Nothing here imports Qt, OpenCV, zbar, escpos, SQLAlchemy or an HTTP client;
the adapters in ``hardware/``, ``offline_queue/`` and ``ui/`` implement the Protocols in
:mod:`kiosk.ports`. ``tests/test_layers.py`` keeps it that way.
"""
