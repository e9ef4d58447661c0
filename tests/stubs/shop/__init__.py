"""A realistic order application: what a demanding user writes, for the stub generator and contracts."""
