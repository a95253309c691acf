"""The build: sources -> triples -> dumps in dist/, all or nothing, with the shapes check."""
