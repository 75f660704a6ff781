"""The trainer's workspace in the browser: pages and APIs under `/trainer`, behind the
trainer role (`roles.py`), registered on Chainlit's FastAPI app by `pages.py`."""
