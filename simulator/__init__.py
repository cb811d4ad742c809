"""A Bitmovin-compatible encoding API simulator, started with ``python -m simulator``.

It speaks the API's envelopes, error codes and rate limits over real HTTP so that the dashboard, its
tests and the official SDK can run without a Bitmovin account. Only the standard library is used.
"""

__version__ = "1.0.0"
