"""The query library and running SPARQL on the embedded store or a remote one."""
