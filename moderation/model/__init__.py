"""Stance and off-topic models: shared features, the calibrated linear classifier, artifacts, the scorer."""
