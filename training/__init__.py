"""The trainer: fits, evaluates and writes the models the service loads."""
