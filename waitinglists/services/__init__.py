"""Every write in waitinglists/, one module per concern."""
