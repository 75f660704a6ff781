"""Persistence: Chainlit's SQLAlchemy data layer over SQLite (default) or PostgreSQL.

`schema.py` creates the tables on first start, `datalayer.py` builds the data layer,
`outbox.py` keeps its history writes through a database outage and replays them,
`sessions.py` stores each practice (transcript with hidden state, options, debrief),
`files.py` keeps element files (charts, exports) on disk. See docs/UI.md.
"""
