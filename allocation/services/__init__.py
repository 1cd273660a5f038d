"""Every write in allocation/, one module per concern."""
