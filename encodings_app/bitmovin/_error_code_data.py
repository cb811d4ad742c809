"""The error-code table behind ``error_codes``: one entry per code of the API's published list.

Written for the people watching the dashboard, not for the developers of the integration: what went wrong,
what to do about it, and whether trying again later, unchanged, can succeed (``retry_helps``).
"""

from __future__ import annotations

from typing import NamedTuple


class Entry(NamedTuple):
    category: str
    title: str
    meaning: str
    what_to_do: str
    retry_helps: bool
    doc_url: str


# Only addresses checked against the public site (tests/fixtures/bitmovin-doc-links.txt pins them): the site's
# titles and addresses differ, so a guessed address is often dead. No anchors, since none could be confirmed.
# Topics without a page of their own (API keys, encoder versions, formats, subscriptions) link the nearest.
# How to use the API: it lists every API error code.
API_BASICS = "https://developer.bitmovin.com/encoding/reference/how-to-use-the-api"
ENCODER_ERRORS = "https://developer.bitmovin.com/encoding/reference/encoder-errors"
# Getting started: its section "Get your Bitmovin API Key".
API_KEYS = "https://developer.bitmovin.com/encoding/docs/getting-started"
TEAM_ACCESS = "https://developer.bitmovin.com/encoding/docs/managing-your-organization-team-access"
ENCODING_STATES = "https://developer.bitmovin.com/encoding/docs/what-do-the-different-encodings-state-mean"
STORAGES = "https://developer.bitmovin.com/encoding/docs/how-to-create-an-s3-encoding-input-or-output-with-the-bitmovin-api"
MANIFESTS = "https://developer.bitmovin.com/encoding/docs/how-to-create-manifests-for-your-encodings"
CLOUD_CONNECT = "https://developer.bitmovin.com/encoding/docs/using-bitmovin-cloud-connect-with-aws"
WEBHOOKS = "https://developer.bitmovin.com/encoding/docs/ecoding-webhooks"  # Bitmovin's own spelling
CODEC_CONFIG = "https://developer.bitmovin.com/encoding/reference/h264-configuration"
WATERMARK = "https://developer.bitmovin.com/encoding/reference/enhanced-watermark-filter"

GENERAL = "General"
ENCODING = "Encoding"
INPUT = "Input"
OUTPUT = "Output"
CODEC = "Codec configuration"
FILTER = "Filter"
MANIFEST = "Manifest"
TRANSFER = "Transfer"
NOTIFICATION = "Notification"
LIMITS = "Account limits"

_CHECK_CONFIG = "Correct the configuration named in the details, then start a new encoding."
_RETRY_THEN_SUPPORT = (
    "Start it again; if the same error comes back, contact Bitmovin support with the encoding id."
)

# fmt: off
ENTRIES: dict[int, Entry] = {
    # 1xxx: the request itself
    1000: Entry(GENERAL, "Missing or invalid field",
                "The request left out a value the API requires, or sent one it cannot accept.",
                "Look at the field named in the details and correct it; sending the same request again will "
                "fail the same way.",
                False, API_BASICS),
    1001: Entry(GENERAL, "Invalid parameter",
                "One or more values in the request, such as a filter, a page size or an id, were refused.",
                "Check the parameter named in the details and correct it.",
                False, API_BASICS),
    1002: Entry(GENERAL, "API key not accepted",
                "Bitmovin did not accept the organization's API key: it is mistyped, was deleted, or belongs"
                " to another account.",
                "Check the API key in the organization's settings; create a new key in the Bitmovin "
                "dashboard if the old one was removed.",
                False, API_KEYS),
    1003: Entry(GENERAL, "Not allowed",
                "The API key is valid but may not use this resource, usually because the resource belongs to"
                " another organization or the tenant organization id is wrong.",
                "Check the tenant organization id and that the key's user belongs to that organization with "
                "enough rights.",
                False, TEAM_ACCESS),
    1004: Entry(GENERAL, "Unexpected error at Bitmovin",
                "Something failed inside Bitmovin that it could not classify.",
                "Try again in a few minutes; if it keeps happening, contact Bitmovin support and quote the "
                "request id.",
                True, API_BASICS),
    1005: Entry(GENERAL, "Unknown API address",
                "The address called does not match any API resource, usually because the API base URL is "
                "wrong.",
                "Check the API base URL in the organization's settings; it normally ends in /v1.",
                False, API_BASICS),
    1006: Entry(GENERAL, "Request type not supported",
                "The API does not accept this kind of request (GET, POST or DELETE) at this address.",
                "Check the API base URL; if it is right, report the problem with the request id.",
                False, API_BASICS),
    # 20xx: the encoding as a whole
    2000: Entry(ENCODING, "Problem with the encoding's resources",
                "A part of the encoding (a stream, muxing, input or output) is missing or unusable.",
                _CHECK_CONFIG,
                False, ENCODER_ERRORS),
    2001: Entry(ENCODING, "Input configuration not usable",
                "The encoding's input settings (storage, file path or selected input streams) do not work.",
                "Check the input storage, the file path and the input streams of the encoding.",
                False, STORAGES),
    2003: Entry(ENCODING, "Packaging failed",
                "Putting the encoded audio and video into their output containers (fMP4, TS, MP4...) failed.",
                "Check the muxing settings, such as segment length and which streams belong to each muxing.",
                False, ENCODER_ERRORS),
    2004: Entry(ENCODING, "Encryption failed",
                "Protecting the output with DRM or encryption failed.",
                "Check the DRM settings: key, key id and the DRM provider's details.",
                False, ENCODER_ERRORS),
    2005: Entry(ENCODING, "Filter failed",
                "Applying a video or audio filter (crop, watermark, deinterlace...) failed.",
                "Check the filter settings against the input's resolution and format.",
                False, ENCODER_ERRORS),
    2006: Entry(ENCODING, "Captions problem",
                "The captions configured for the encoding could not be read or converted.",
                "Check the caption file's location, format and character encoding.",
                False, ENCODER_ERRORS),
    2007: Entry(ENCODING, "Subtitles problem",
                "The subtitles configured for the encoding could not be read or converted.",
                "Check the subtitle file's location, format and character encoding.",
                False, ENCODER_ERRORS),
    2008: Entry(ENCODING, "Codec settings not valid",
                "A codec configuration (bitrate, resolution, profile, level...) is invalid or does not suit "
                "the input.",
                "Review the codec configurations used by the encoding's streams.",
                False, ENCODER_ERRORS),
    2009: Entry(ENCODING, "Thumbnails failed",
                "Creating the thumbnail images failed.",
                "Check that the thumbnail positions lie within the video's duration and that the output can "
                "be written.",
                False, ENCODER_ERRORS),
    2010: Entry(ENCODING, "Sprites failed",
                "Creating the sprite sheet (the grid of preview images) failed.",
                "Check the sprite settings (image size, interval) and the output.",
                False, ENCODER_ERRORS),
    2011: Entry(ENCODING, "Live streaming problem",
                "A live encoding ran into a problem while streaming.",
                "Check that the live source is still sending and read the encoding's messages; restart the "
                "live encoding if it stopped.",
                True, ENCODING_STATES),
    2014: Entry(ENCODING, "Input file could not be split into tracks",
                "The encoder could not separate the input's audio and video; the file may be damaged or laid"
                " out unusually.",
                "Check that the file plays locally; export or upload it again.",
                False, API_BASICS),
    2015: Entry(ENCODING, "Input could not be decoded",
                "The encoder could not read the input's audio or video; the file may be damaged or use a "
                "codec that is not supported.",
                "Check that the input is intact and in a supported format.",
                False, API_BASICS),
    2016: Entry(ENCODING, "Encoding step failed",
                "The encoder failed while producing the output streams.",
                _RETRY_THEN_SUPPORT,
                True, ENCODER_ERRORS),
    2017: Entry(ENCODING, "Writing the output failed",
                "Uploading finished files to the output storage failed.",
                "Check the output storage's credentials, permissions and free space, then start again.",
                True, STORAGES),
    2018: Entry(ENCODING, "Internal encoder error",
                "The Bitmovin encoder failed for an internal reason.",
                _RETRY_THEN_SUPPORT,
                True, ENCODER_ERRORS),
    2019: Entry(ENCODING, "Infrastructure problem",
                "The machines running the encoding, in Bitmovin's cloud or in your own cloud account, had a "
                "problem.",
                "Start the encoding again, if need be in another region; with Cloud Connect, check the cloud"
                " account's quotas.",
                True, CLOUD_CONNECT),
    2020: Entry(ENCODING, "Encoder version not available",
                "The encoder version asked for does not exist or is no longer offered.",
                "Pick an available version, or a tag such as STABLE.",
                False, API_BASICS),
    2021: Entry(ENCODING, "Cannot delete a running encoding",
                "An encoding cannot be deleted while it is RUNNING or QUEUED.",
                "Stop the encoding, or wait until it ends, then delete it.",
                True, ENCODING_STATES),
    2022: Entry(ENCODING, "Live encoding did not stop",
                "The live encoder could not be stopped cleanly.",
                "Try stopping it again in a minute; if it keeps running, contact Bitmovin support, as a "
                "running live encoding keeps costing money.",
                True, ENCODING_STATES),
    2023: Entry(ENCODING, "Live stream still starting",
                "The live encoding is still being prepared; its connection details are not available yet.",
                "Wait a minute or two, then refresh.",
                True, ENCODING_STATES),
    2024: Entry(ENCODING, "Input stream details not available yet",
                "Details of the input (codec, resolution) are not known yet, usually because analysis has "
                "not finished or no live signal has arrived.",
                "Wait for the input analysis to finish, or check that the live signal arrives.",
                True, ENCODING_STATES),
    2025: Entry(ENCODING, "Encoding configuration not valid",
                "The encoding's settings do not fit together, for example a stream without a muxing.",
                _CHECK_CONFIG,
                False, ENCODER_ERRORS),
    2026: Entry(ENCODING, "Own infrastructure not enabled",
                "This account may not run encodings on its own infrastructure.",
                "Use Bitmovin's cloud, or ask Bitmovin to enable Cloud Connect for the account.",
                False, CLOUD_CONNECT),
    2027: Entry(ENCODING, "Moving to another infrastructure failed",
                "The encoding could not be rescheduled on the chosen infrastructure.",
                "Check that the target infrastructure exists and is online, and that the encoding is still "
                "queued.",
                False, CLOUD_CONNECT),
    2028: Entry(ENCODING, "Live encoding cannot be restarted now",
                "A live encoding can only be restarted while it is RUNNING or in ERROR.",
                "Check its status; if it has ended, start a new live encoding instead.",
                False, ENCODING_STATES),
    2029: Entry(ENCODING, "Not a live encoding",
                "This action only applies to live encodings, and this encoding is not one.",
                "Use the actions for VOD encodings instead.",
                False, ENCODING_STATES),
    2030: Entry(ENCODING, "Priority can no longer change",
                "The priority can only change while the encoding waits in the queue, and this one is already"
                " being processed.",
                "Nothing to do: the encoding is already under way.",
                False, ENCODING_STATES),
    2039: Entry(ENCODING, "Video quality target missing",
                "A video codec configuration sets neither a bitrate nor a CRF quality value, so the encoder "
                "has no quality target.",
                "Set either the bitrate or the CRF value in that configuration.",
                False, ENCODER_ERRORS),
    2042: Entry(ENCODING, "Your infrastructure could not be reached",
                "Bitmovin could not reach the Kubernetes cluster or cloud account meant to run the encoding:"
                " it is offline or its access was withdrawn.",
                "Check that the cluster or cloud account is online and that Bitmovin's access to it is still"
                " valid, then start again.",
                True, CLOUD_CONNECT),
    2047: Entry(ENCODING, "Encoding never started",
                "The start settings cannot be shown because this encoding has not been started yet.",
                "Start the encoding first.",
                False, ENCODING_STATES),
    # 21xx: reading the input
    2100: Entry(INPUT, "Input file not found",
                "There is no file at the configured input path.",
                "Check the path, including upper and lower case, and that the upload finished.",
                False, STORAGES),
    2101: Entry(INPUT, "Input bucket not found",
                "The input storage bucket does not exist, or its name or region is wrong.",
                "Check the bucket name and region of the input.",
                False, STORAGES),
    2102: Entry(INPUT, "Input path not valid",
                "The input path is not a valid path for this kind of storage.",
                "Correct the path, for example special characters or a leading slash the storage refuses.",
                False, STORAGES),
    2103: Entry(INPUT, "Input access denied",
                "The encoder was not allowed to read the input file.",
                "Check the input's credentials and the permissions on the bucket or file.",
                False, STORAGES),
    2104: Entry(INPUT, "Input download too slow",
                "Downloading the input took too long.",
                "Check that the input storage is reachable and fast enough; retry, ideally in a region near "
                "the storage.",
                True, STORAGES),
    2105: Entry(INPUT, "Input download failed",
                "Downloading the input failed part-way.",
                "Check the input storage and the file, then retry.",
                True, STORAGES),
    2106: Entry(INPUT, "Input server unreachable",
                "The server holding the input (HTTP, FTP, SFTP...) could not be reached.",
                "Check that the server is up and reachable from the internet, then retry.",
                True, STORAGES),
    2107: Entry(INPUT, "Input is not a media file",
                "The encoder could not recognise the input as audio or video.",
                "Check that the file is a complete media file in a supported format, not an error page or a "
                "partial upload.",
                False, API_BASICS),
    # 22xx: writing the output
    2200: Entry(OUTPUT, "Output bucket not found",
                "The output storage bucket does not exist, or its name or region is wrong.",
                "Check the bucket name and region of the output.",
                False, STORAGES),
    2201: Entry(OUTPUT, "Output path not valid",
                "The output path is not a valid path for this kind of storage.",
                "Correct the output path.",
                False, STORAGES),
    2202: Entry(OUTPUT, "Output access denied",
                "The encoder was not allowed to write to the output storage.",
                "Check the output's credentials and its write permissions.",
                False, STORAGES),
    2203: Entry(OUTPUT, "Output upload too slow",
                "Uploading the results took too long.",
                "Check that the output storage is reachable and fast enough, then retry.",
                True, STORAGES),
    2204: Entry(OUTPUT, "Output upload failed",
                "Uploading the results failed part-way.",
                "Check the output storage, then retry.",
                True, STORAGES),
    2205: Entry(OUTPUT, "Output server unreachable",
                "The server receiving the output could not be reached.",
                "Check that the server is up and reachable from the internet, then retry.",
                True, STORAGES),
    # 23xx: codec settings
    2300: Entry(CODEC, "H.264 settings not valid",
                "The H.264 video settings do not fit together, for example profile, level and resolution.",
                "Review the H.264 codec configuration.",
                False, CODEC_CONFIG),
    2301: Entry(CODEC, "H.265 settings not valid",
                "The H.265 (HEVC) video settings do not fit together.",
                "Review the H.265 codec configuration.",
                False, CODEC_CONFIG),
    2302: Entry(CODEC, "AAC settings not valid",
                "The AAC audio settings (bitrate, sample rate or channel layout) are not valid.",
                "Review the AAC codec configuration.",
                False, CODEC_CONFIG),
    # 24xx: filters
    2400: Entry(FILTER, "Watermark settings not valid",
                "The watermark filter's settings are not valid.",
                "Check the watermark image location and its position values.",
                False, WATERMARK),
    2401: Entry(FILTER, "Watermark failed",
                "Applying the watermark failed during encoding.",
                "Check that the watermark image can be downloaded and is in a supported format.",
                False, WATERMARK),
    2402: Entry(FILTER, "Crop settings not valid",
                "The crop values do not fit the input, for example cropping more than the picture holds.",
                "Check the crop values against the input's resolution.",
                False, ENCODER_ERRORS),
    2403: Entry(FILTER, "Crop failed",
                "Cropping the picture failed during encoding.",
                "Check the crop values and the input.",
                False, ENCODER_ERRORS),
    2404: Entry(FILTER, "Rotation settings not valid",
                "The rotation filter's settings are not valid.",
                "Check the rotation angle.",
                False, ENCODER_ERRORS),
    2405: Entry(FILTER, "Rotation failed",
                "Rotating the picture failed during encoding.",
                "Check the rotation settings and the input.",
                False, ENCODER_ERRORS),
    # 25xx: manifests
    2500: Entry(MANIFEST, "DASH manifest settings not valid",
                "The DASH manifest's settings do not match the encoding's outputs.",
                "Check the manifest's periods, adaptation sets and representations.",
                False, MANIFESTS),
    2501: Entry(MANIFEST, "HLS manifest settings not valid",
                "The HLS manifest's settings do not match the encoding's outputs.",
                "Check the manifest's variant streams and media entries.",
                False, MANIFESTS),
    # 26xx: transfers
    2600: Entry(TRANSFER, "Transfer settings not valid",
                "The settings for copying finished files to another storage are not valid.",
                "Check the transfer's target output and its credentials.",
                False, STORAGES),
    # 7xxx: notifications
    7000: Entry(NOTIFICATION, "Notification problem",
                "Creating or delivering a notification (a webhook or an e-mail) failed; the encoding itself "
                "is not affected.",
                "Check the webhook's URL and signature settings, then try again.",
                True, WEBHOOKS),
    # 8xxx: account limits
    8000: Entry(LIMITS, "Account limit reached",
                "The account has reached one of the limits of its plan.",
                "Check the account's usage in the Bitmovin dashboard, or ask Bitmovin to raise the limit.",
                False, API_BASICS),
    8001: Entry(LIMITS, "Monthly encoding limit reached",
                "The account has used all the encodings its plan allows this month.",
                "Wait for the next billing month, or upgrade the plan.",
                False, API_BASICS),
    8003: Entry(LIMITS, "Encoded volume limit reached",
                "The account has encoded as many bytes as its plan allows.",
                "Upgrade the plan or contact Bitmovin about the limit.",
                False, API_BASICS),
    8004: Entry(LIMITS, "Too many VOD encodings queued",
                "The account already has as many VOD encodings waiting in the queue as it may.",
                "Wait until queued encodings have started, then start this one again.",
                True, API_BASICS),
}
# fmt: on

RETRY_HINT_TEXT: dict[str, str] = {
    "RETRY": (
        "Bitmovin expects that starting the encoding again can succeed: the cause was probably temporary."
    ),
    "RETRY_IN_DIFFERENT_REGION": (
        "Starting again may succeed in another cloud region: the region used had a problem."
    ),
    "NO_RETRY": (
        "Starting the same encoding again will fail the same way: the input or the configuration must"
        " change first."
    ),
    "UNDEFINED": "Bitmovin cannot tell whether starting again would help.",
}
