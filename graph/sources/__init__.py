"""Sources: reading the YAML data directory into validated records."""
