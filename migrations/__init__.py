"""Piccolo migrations of the core and tenants; see piccolo_app.py."""
