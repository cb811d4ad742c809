// Small behaviours that htmx does not cover. Loaded as a file: the Content-Security-Policy forbids inline code.
"use strict";
