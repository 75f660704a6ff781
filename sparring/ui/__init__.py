"""The Chainlit web app: profiles and settings, turns, debrief, accounts, extra routes.

`app.py` at the repository root registers the handlers; see docs/UI.md.
"""
