"""Pages of the elder-housing app (kommune staff; the § 25 page is public)."""
