"""What the graph is made of: vocabularies and the IRI minter, and problems found in input."""
