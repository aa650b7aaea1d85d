"""Device adapters: camera and decoders, keyboard-wedge scanners, receipt printers."""
