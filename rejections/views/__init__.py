"""Rejection pages: the cases (``cases``), the kommune's R37.2 dispensations (``dispensations``), the
R28.2 and R37.3 reports (``reports``) and the person's benefit status (``benefits``)."""
