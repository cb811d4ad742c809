"""The encoding failures the simulator plans, and the phases of a run in which they strike.

Codes and titles follow the seed's error-code table (codes.py). Each failure also carries the
ErrorDetails category, a retry hint and the request field it concerns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from simulator.codes import API_ERROR_TITLES
from simulator.docs import API_BASICS, ENCODER_ERRORS, STORAGE

# Phases of a VOD run, as fractions of its planned duration: (name, start, end).
PHASES: tuple[tuple[str, float, float], ...] = (
    ("Download", 0.0, 0.08),
    ("Analysis", 0.08, 0.15),
    ("Encoding", 0.15, 0.85),
    ("Muxing", 0.85, 0.93),
    ("Transfer", 0.93, 1.0),
)

QUEUE = "Queue"  # failures that strike before the encoding ever runs


@dataclass(frozen=True, slots=True)
class Failure:
    code: int
    category: str
    retry_hint: str
    phase: str
    weight: int
    text: str
    field: str | None = None
    doc: str = ENCODER_ERRORS

    @property
    def title(self) -> str:
        return API_ERROR_TITLES[self.code]

    @property
    def link(self) -> dict[str, str]:
        return {"href": self.doc, "title": f"{self.code}: {self.title}"}


_F = Failure
# Weights make input problems the most common failure, as they are in practice.
FAILURES: tuple[Failure, ...] = (
    _F(
        2100,
        "INPUT",
        "NO_RETRY",
        "Download",
        22,
        "Input file {input} does not exist",
        "inputPath",
        STORAGE,
    ),
    _F(
        2101,
        "INPUT",
        "NO_RETRY",
        "Download",
        4,
        "Input bucket {bucket} does not exist",
        "bucketName",
        STORAGE,
    ),
    _F(
        2102,
        "INPUT",
        "NO_RETRY",
        "Download",
        4,
        "Input path {input} is not a valid path",
        "inputPath",
        STORAGE,
    ),
    _F(
        2103,
        "INPUT",
        "NO_RETRY",
        "Download",
        9,
        "Access denied while reading {input}",
        "accessKey",
        STORAGE,
    ),
    _F(
        2104,
        "INPUT",
        "RETRY",
        "Download",
        6,
        "Download of {input} timed out after 600 s",
        None,
        STORAGE,
    ),
    _F(2105, "INPUT", "RETRY", "Download", 6, "Download of {input} failed: connection reset by peer", None),
    _F(2106, "INPUT", "RETRY", "Download", 4, "Remote server {host} is not reachable", "host", STORAGE),
    _F(
        2107,
        "INPUT",
        "NO_RETRY",
        "Analysis",
        9,
        "Input {input} is not a valid media file: moov atom not found",
    ),
    _F(2015, "DECODING", "NO_RETRY", "Encoding", 4, "Decoding failed at frame {frame}: corrupt H.264 slice"),
    _F(
        2016,
        "ENCODING",
        "UNDEFINED",
        "Encoding",
        3,
        "Encoder exited unexpectedly while encoding rendition {ren}",
    ),
    _F(2018, "INTERNAL", "RETRY", "Encoding", 4, "Internal encoder error, the encoding instance was lost"),
    _F(
        2019, "INFRASTRUCTURE", "RETRY_IN_DIFFERENT_REGION", "Encoding", 4, "Encoding node in {region} failed"
    ),
    _F(
        2300,
        "CODEC_CONFIGURATION",
        "NO_RETRY",
        "Analysis",
        3,
        "H264 profile BASELINE does not support B-frames",
        "bframes",
    ),
    _F(
        2301,
        "CODEC_CONFIGURATION",
        "NO_RETRY",
        "Analysis",
        2,
        "H265 level 4.1 is too low for 3840x2160",
        "level",
    ),
    _F(
        2302,
        "CODEC_CONFIGURATION",
        "NO_RETRY",
        "Analysis",
        2,
        "AAC bitrate 512000 exceeds the maximum for stereo",
        "bitrate",
    ),
    _F(2400, "FILTER", "NO_RETRY", "Analysis", 1, "Watermark image {asset} could not be loaded", "image"),
    _F(2401, "FILTER", "RETRY", "Encoding", 1, "Applying the watermark failed at frame {frame}"),
    _F(2402, "FILTER", "NO_RETRY", "Analysis", 1, "Crop values exceed the input size 1920x1080", "left"),
    _F(2403, "FILTER", "RETRY", "Encoding", 1, "Cropping failed at frame {frame}"),
    _F(2404, "FILTER", "NO_RETRY", "Analysis", 1, "Rotation of 45 degrees is not supported", "rotation"),
    _F(2405, "FILTER", "RETRY", "Encoding", 1, "Rotating frame {frame} failed"),
    _F(2003, "MUXING", "RETRY", "Muxing", 2, "Muxing of fMP4 segments failed: timestamps are not monotonic"),
    _F(2004, "ENCRYPTION", "NO_RETRY", "Muxing", 1, "DRM key for key id {kid} was rejected", "keyId"),
    _F(2006, "CAPTIONS", "NO_RETRY", "Muxing", 1, "Caption file {asset} could not be parsed", "captions"),
    _F(2500, "MANIFEST", "NO_RETRY", "Muxing", 2, "DASH manifest references an unknown muxing", "manifestId"),
    _F(2501, "MANIFEST", "NO_RETRY", "Muxing", 2, "HLS manifest has no variant stream", "manifestId"),
    _F(
        2200,
        "OUTPUT",
        "NO_RETRY",
        "Transfer",
        2,
        "Output bucket {outbucket} does not exist",
        "bucketName",
        STORAGE,
    ),
    _F(
        2201,
        "OUTPUT",
        "NO_RETRY",
        "Transfer",
        2,
        "Output path {outpath} is not a valid path",
        "outputPath",
        STORAGE,
    ),
    _F(
        2042,
        "INFRASTRUCTURE",
        "RETRY_IN_DIFFERENT_REGION",
        QUEUE,
        2,
        "Cloud Connect account {infra} is offline",
    ),
    _F(
        8001,
        "LIMIT_EXCEEDED",
        "NO_RETRY",
        QUEUE,
        1,
        "Monthly encoding limit of 5000 encodings reached",
        doc=API_BASICS,
    ),
    _F(8003, "LIMIT_EXCEEDED", "NO_RETRY", QUEUE, 1, "Encoded bytes limit of 50 TB reached", doc=API_BASICS),
    _F(
        8004, "LIMIT_EXCEEDED", "RETRY", QUEUE, 3, "Limit of 200 queued VOD encodings reached", doc=API_BASICS
    ),
)

# Failures that end in TRANSFER_ERROR rather than ERROR: the encoding itself succeeded.
TRANSFER_FAILURES: tuple[Failure, ...] = (
    _F(
        2202,
        "TRANSFER",
        "NO_RETRY",
        "Transfer",
        3,
        "Access denied while writing to {outbucket}",
        "secretKey",
        STORAGE,
    ),
    _F(
        2203,
        "TRANSFER",
        "RETRY",
        "Transfer",
        3,
        "Upload to {outbucket} timed out after 600 s",
        None,
        STORAGE,
    ),
    _F(
        2204,
        "TRANSFER",
        "RETRY",
        "Transfer",
        4,
        "Upload of segment {frame}.m4s failed: HTTP 500 from storage",
    ),
    _F(2205, "TRANSFER", "RETRY", "Transfer", 2, "Output storage host {host} is not reachable", "host"),
    _F(
        2600,
        "TRANSFER",
        "NO_RETRY",
        "Transfer",
        2,
        "Transfer configuration references a deleted output",
        "outputId",
    ),
)

# A stalled encoding eventually fails with one of these.
STALL_FAILURE = 2019
QUEUE_TIMEOUT_FAILURE = 2042

FAILURES_BY_CODE: dict[int, Failure] = {f.code: f for f in FAILURES + TRANSFER_FAILURES}


def _numbered_placeholders(text: str) -> str:
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"{{{names.index(match.group(1)) + 1}}}"

    return re.sub(r"\{(\w+)\}", number, text)


def encoding_error_definitions() -> list[dict[str, object]]:
    """The EncodingErrorDefinition list served by GET /encoding/error-definitions."""
    items = []
    for f in sorted(FAILURES_BY_CODE.values(), key=lambda f: f.code):
        hint = f.retry_hint if f.retry_hint != "UNDEFINED" else "NO_RETRY"
        items.append(
            {
                "code": f.code,
                "category": f.category,
                "message": _numbered_placeholders(f.text),
                "description": API_ERROR_TITLES[f.code],
                "retryHint": hint,
            }
        )
    return items
