"""Finding works: exclusions, filters, facets, search and the counts of every listing."""
