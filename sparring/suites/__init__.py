"""Eval suites: check the evaluator and the personas like code (`sparring eval`).

Suites are data (`evals/*.yaml`, validated by `suite.py`); `runner.py` plays them
against a model with bounded concurrency and a disk cache; `reports.py` and
`html.py` turn the results into JSON, JUnit XML and a self-contained HTML page.
"""
