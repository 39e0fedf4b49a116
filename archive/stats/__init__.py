"""How a work is received over time: its days (days.py, written by the functions that change
its counters), the figures the statistics pages show (figures.py) and their charts
(charts.py)."""
