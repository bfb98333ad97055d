"""The test suite (a package, so pytest imports conftest.py once, as tests.conftest, as the tests do)."""
