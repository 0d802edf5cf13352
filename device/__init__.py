"""The kiosk's runtime: camera, vision, practice, store and web.

`ui/` and `model_export/` build on this package; it never imports them.
"""

__version__ = "0.1.0"
