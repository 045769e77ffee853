"""One extractor per aspect of a need text: place, age, format, need (see matcher.understand)."""
