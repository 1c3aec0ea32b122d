"""JSON routers: parse input, make one domain call, render. No SPARQL here."""
