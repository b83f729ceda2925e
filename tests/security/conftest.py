from tests.test_permission_walk import world  # noqa: F401 (the walk's world of two units, a fixture)
