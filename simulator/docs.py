"""Bitmovin documentation addresses the simulator's links point at, as Bitmovin's own responses would.

Only addresses checked against the public site: a guessed page title is often a dead link there. No anchors,
since none could be confirmed. tests/fixtures/bitmovin-doc-links.txt pins this list.
"""

from __future__ import annotations

# How to use the API: the envelope and every API error code.
API_BASICS = "https://developer.bitmovin.com/encoding/reference/how-to-use-the-api"
ENCODER_ERRORS = "https://developer.bitmovin.com/encoding/reference/encoder-errors"
STORAGE = "https://developer.bitmovin.com/encoding/docs/how-to-create-an-s3-encoding-input-or-output-with-the-bitmovin-api"
ENCODING_STATES = "https://developer.bitmovin.com/encoding/docs/what-do-the-different-encodings-state-mean"
