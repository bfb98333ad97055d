"""Moderation: comment stance, off-topic and duplicate tagging for news sites."""

__version__ = "0.1.0"
