"""What creators write: works, chapters, series and tags, sanitised and counted."""
