from tests.dispatch.conftest import listed_a  # noqa: F401 (a fixture the log tests use)
