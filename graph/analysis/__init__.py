"""networkx analyses and coverage figures over the built graph."""
