"""Writers: triples to N-Triples, Turtle, RDF/XML and JSON-LD text."""
