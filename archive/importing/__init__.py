"""Works from outside: plain text, HTML and EPUB files, and the seed works."""
