"""The API's error codes: the seed's general codes, so that a script written for Bitmovin reads them alike.

An action refused by Bitmovin keeps Bitmovin's own code (2021, 2030, ...); these are the dashboard's own.
The seed's general codes stop at 1006; TOO_MANY_REQUESTS is the dashboard's next one in that block, for its
own limit on a user's actions (Bitmovin's own 429 keeps Bitmovin's code and is answered as 502).
"""

MISSING_FIELD = 1000
INVALID_PARAMETER = 1001
INVALID_CREDENTIALS = 1002
UNAUTHORIZED = 1003
UNDEFINED_ERROR = 1004
UNKNOWN_URL = 1005
WRONG_METHOD = 1006
TOO_MANY_REQUESTS = 1007

TITLES = {
    MISSING_FIELD: "Missing attribute or field",
    INVALID_PARAMETER: "Parameter not valid",
    INVALID_CREDENTIALS: "Invalid credentials",
    UNAUTHORIZED: "Unauthorized",
    UNDEFINED_ERROR: "Undefined error",
    UNKNOWN_URL: "Request URL not valid",
    WRONG_METHOD: "Request method not valid",
    TOO_MANY_REQUESTS: "Too many requests",
}
