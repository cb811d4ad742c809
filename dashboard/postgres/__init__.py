"""Django's PostgreSQL backend with a client-side deadline on every wait (dashboard/query_deadline.py)."""
