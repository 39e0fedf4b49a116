"""Rate-limit counts: rows in the primary database, which every app server and worker shares
and which no other traffic can evict (the rules themselves are in config/limits.py)."""
