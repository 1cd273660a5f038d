"""The letters pages: the outbox and one letter, print batches, and the job runs (Kørsler)."""
