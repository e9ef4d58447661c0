"""A small application whose workflow module the stub generator reads in the tests."""
