"""Releases: frozen, citable copies of the graph, and what changed between two graphs."""
