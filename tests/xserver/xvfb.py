"""The X server the real-screen tests run in (it lives in ui/, the screenshots use it too)."""

from ui.xvfb import SIZE_VARIABLE, SIZES, TOOLS, Xvfb, missing_tools, screenshot_command

__all__ = ["SIZES", "SIZE_VARIABLE", "TOOLS", "Xvfb", "missing_tools", "screenshot_command"]
