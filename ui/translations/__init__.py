"""English → Simplified Chinese screen strings, one module per screen; merged by scripts/translations.py."""
