"""From validated records to triples."""
