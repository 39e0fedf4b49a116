"""Works leaving the archive: EPUB and HTML downloads, Atom feeds and OPDS catalogs."""
