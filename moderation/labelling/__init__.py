"""The labelling module: quotes, duplicates and relevance of a comment in its thread, tagged with reasons."""
