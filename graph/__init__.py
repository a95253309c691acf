"""pcmh-kg: a linked-data knowledge graph of primary care mental health practice.

The pipeline is sources (YAML, CSV) -> one graph (N-Triples lines) -> sinks (RDF dumps, a SPARQL
store, networkx analyses, HTML). Each step lives in its own module.
"""

__version__ = "0.1.0"
