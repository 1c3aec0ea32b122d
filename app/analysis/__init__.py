"""networkx analytics over claims, sources and contradictions."""
