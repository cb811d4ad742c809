"""The REST API at /api/v1/: the mirror's data and the operator actions, in the Bitmovin envelope.

See README.md in this package for authentication, the envelope, codes and statuses, and the endpoints.
"""
