"""Background jobs: one retry policy for every job, and failures kept for staff."""
