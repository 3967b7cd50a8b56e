"""Custos apps, one per concern of the domain: the life of a piece of evidence reads
in the folder names (cases -> incidents/sources -> evidence -> custody)."""
