"""Development tooling: the synthetic corpus, the page and alert benchmarks, the load test.

Not shipped: config/settings.py installs this app only in a source checkout, with DEBUG on or
BENCH=true, and the wheel leaves it out.
"""
