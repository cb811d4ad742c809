"""The API's own error codes, as the seed's error-code table lists them."""

from __future__ import annotations

# (code, title, meaning) straight from the seed's table.
API_ERRORS: tuple[tuple[int, str, str], ...] = (
    (1000, "Missing attribute or field", "Required attribute/field not valid or not present"),
    (1001, "Parameter not valid", "One or more parameters are not valid"),
    (1002, "Invalid credentials", "API key is not valid"),
    (1003, "Unauthorized", "You are not authorized to access this resource"),
    (1004, "Undefined Error", "An undefined error occurred and support should be contacted"),
    (1005, "Request URL not valid", "The requested URL does not match any available API resource"),
    (1006, "Request method not valid", "The HTTP method used is not supported for this URL"),
    (2000, "Encoding resource error", "General encoding resource error"),
    (2001, "Input not valid", "Input not valid"),
    (2003, "Muxing error", "Error during muxing"),
    (2004, "Encryption error", "Error during encryption"),
    (2005, "Filter error", "Error while applying filter"),
    (2006, "Captions error", "Error with specified captions"),
    (2007, "Subtitle error", "Error with specified subtitles"),
    (2008, "Codec configuration error", "Error with specified codec configuration"),
    (2009, "Thumbnail error", "Error while generating thumbnails"),
    (2010, "Sprite error", "Error while generating sprites"),
    (2011, "Live error", "Error during live streaming"),
    (2014, "Demuxing error", "Error while demuxing file"),
    (2015, "Decoding error", "Error while decoding file"),
    (2016, "Encoding error", "Error during encoding"),
    (2017, "Upload error", "Error while uploading files"),
    (2018, "Internal error", "Internal encoding error"),
    (2019, "Infrastructure error", "Error on the encoding infrastructure"),
    (2020, "Invalid Encoder Version", "The given encoder version is not available"),
    (2021, "Delete not allowed", "Deletion of encoding not allowed when status equals RUNNING or QUEUED"),
    (2022, "Stop live encoding error", "Error stopping the live encoder"),
    (2023, "Live stream not ready", "The live stream is preparing"),
    (2024, "Stream input details not available", "Stream input details not available"),
    (2025, "Encoding configuration not valid", "There is an error in the encoding configuration"),
    (2026, "On Premise encoding not allowed", "On Premise encoding not allowed for specific account"),
    (2027, "Rescheduling failed", "Rescheduling of an encoding to another infrastructure failed"),
    (
        2028,
        "Wrong status for restarting live encoding",
        "The live encoding could not be restarted because it is not in RUNNING or ERROR state",
    ),
    (2029, "Wrong encoding type", "The specified encoding is not a live encoding"),
    (
        2030,
        "Reprioritization not allowed",
        "Reprioritization of encoding is not allowed, because it is already being processed",
    ),
    (
        2039,
        "Neither bitrate nor CRF are set",
        "The video codec configuration is invalid. Either 'bitrate' or 'crf' must be set",
    ),
    (
        2042,
        "Could not access infrastructure",
        "Kubernetes cluster or AWS account is offline / could not be accessed",
    ),
    (
        2047,
        "Encoding not started",
        "Cannot retrieve encoding start request configuration, as the encoding has not been started yet",
    ),
    (2100, "Input file not found", "Could not find input file"),
    (2101, "Bucket not found", "Could not find input bucket"),
    (2102, "Invalid file path", "File path not valid"),
    (2103, "Download access denied", "File was not accessible"),
    (2104, "Download timeout", "File download timed out"),
    (2105, "Download failure", "File download failed"),
    (2106, "Remote server problem", "Remote server was not reachable"),
    (2107, "Input file is not a valid media file", "Encoder was not able to parse input file"),
    (2200, "Bucket not found", "Could not find output bucket"),
    (2201, "Invalid file path", "File path not valid"),
    (2202, "Upload access denied", "Access denied during upload"),
    (2203, "Upload timeout", "File upload timed out"),
    (2204, "Upload failure", "File upload failed"),
    (2205, "Remote server problem", "Remote server was not reachable"),
    (2300, "H264 configuration error", "H264 configuration is not valid"),
    (2301, "H265 configuration error", "H265 configuration is not valid"),
    (2302, "AAC configuration error", "AAC configuration is not valid"),
    (2400, "Watermark configuration not valid", "Watermark configuration not valid"),
    (2401, "Watermark encoding error", "Error while applying watermark"),
    (2402, "Crop configuration not valid", "Crop configuration not valid"),
    (2403, "Crop encoding error", "Error while cropping"),
    (2404, "Rotate configuration not valid", "Rotate configuration not valid"),
    (2405, "Rotate encoding error", "Error while rotating frame"),
    (2500, "DASH manifest configuration not valid", "DASH manifest configuration not valid"),
    (2501, "HLS manifest configuration not valid", "HLS manifest configuration not valid"),
    (2600, "Transfer configuration not valid", "Transfer configuration not valid"),
    (7000, "Notification Error", "General notification error"),
    (8000, "Limit exceeded error", "General limit exceeded error"),
    (
        8001,
        "Limit reached for maximum encodings per month",
        "Your account has reached the maximum number of encodings per month",
    ),
    (
        8003,
        "Limit reached for maximum bytes encoded",
        "Your account has reached the limit of bytes it is allowed to encode",
    ),
    (
        8004,
        "Limit reached for maximum queued VOD encodings",
        "Your account has reached the maximum number of queued VOD encodings",
    ),
)

API_ERROR_TITLES: dict[int, str] = {code: title for code, title, _ in API_ERRORS}


def api_error_category(code: int) -> str:
    if code < 2000:
        return "GENERAL"
    if code >= 8000:
        return "LIMIT_EXCEEDED"
    if code >= 7000:
        return "NOTIFICATION"
    return {
        21: "ENCODING_INPUT",
        22: "ENCODING_OUTPUT",
        23: "ENCODING_CODEC_CONFIGURATION",
        24: "ENCODING_FILTER",
        25: "ENCODING_MANIFEST",
        26: "ENCODING_TRANSFER",
    }.get(code // 100, "ENCODING")


def api_error_definitions() -> list[dict[str, object]]:
    """The ApiErrorDefinition list served by GET /general/error-definitions."""
    return [
        {"code": code, "category": api_error_category(code), "description": f"{title} - {meaning}"}
        for code, title, meaning in API_ERRORS
    ]
