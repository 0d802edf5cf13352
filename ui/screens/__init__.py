"""The kiosk's screens: each one enters, updates, draws and exits (ui/app.py runs them)."""
