"""The kiosk application: command line, composition root, Qt screens and workers."""
