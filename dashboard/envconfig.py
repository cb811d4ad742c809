"""Reading configuration from environment variables.

Every parser raises ImproperlyConfigured with the variable's name and what was expected, so a typo in a
deployment fails at start-up with a message an operator can act on instead of a traceback deep in Django.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from pathlib import Path
from urllib.parse import unquote, urlsplit

from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from dashboard.private_files import PRIVATE_FILE_MODE, private_dir, tighten

# scheme://user:PASSWORD@ - the password ends at the last character before "@" that is not a slash or a space.
_URL_PASSWORD = re.compile(r"(?P<head>\b[a-z][a-z0-9+.-]*://[^\s:/@]*:)[^\s@/]+@", re.IGNORECASE)

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


def _given(name: str) -> str | None:
    """The variable's value, stripped; None when it is unset or blank (a blank value means "the default")."""
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return None
    return raw.strip()


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def env_secret(name: str) -> str:
    """A secret from `NAME`, or from the file named by `NAME_FILE` (Docker and Kubernetes secrets), stripped.

    Setting both is refused: which one wins would be a guess. A file that cannot be read is named in the
    error, never its content.
    """
    direct = env_str(name)
    path = env_str(f"{name}_FILE")
    if not path:
        return direct
    if direct:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    try:
        return Path(path).read_text().strip()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE: cannot read {path!r} ({exc.strerror})") from None


def env_bool(name: str, default: bool) -> bool:
    raw = _given(name)
    if raw is None:
        return default
    value = raw.lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}")


def _number(name: str, raw: str, convert, expected: str):
    try:
        return convert(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {expected}; got {raw!r}") from None


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = _given(name)
    if raw is None:
        return default
    value = _number(name, raw, int, "a whole number")
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {value}")
    return value


def env_fraction(name: str, default: float, *, one_allowed: bool = False) -> float:
    """A share from 0 (included) to 1 (excluded, unless `one_allowed`), written as a decimal: 0.1 for ten
    per cent."""
    raw = _given(name)
    if raw is None:
        return default
    value = _number(name, raw, float, "a decimal number such as 0.1")
    if one_allowed and not 0 <= value <= 1:
        raise ImproperlyConfigured(f"{name} must be at least 0 and at most 1; got {value}")
    if not one_allowed and not 0 <= value < 1:
        raise ImproperlyConfigured(f"{name} must be at least 0 and less than 1; got {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = _given(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_choice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = env_str(name, default).lower()
    if value not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}; got {value!r}")
    return value


def read_or_create_secret(path: Path, make) -> str:
    """Return the secret stored at `path`, generating it once so that restarts keep sessions and
    encrypted data readable. Only used by the embedded (development and demo) defaults."""
    private_dir(path.parent)
    if not path.exists():
        value = make()
        # O_EXCL: two processes starting at once (web server and worker) must not write different secrets.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        except FileExistsError:
            pass
        else:
            with os.fdopen(fd, "w") as handle:
                handle.write(value)
    # A file left readable by an older version, or copied in by hand, is made private too.
    tighten(path)
    return path.read_text().strip()


def new_django_secret_key() -> str:
    return secrets.token_urlsafe(50)


def new_fernet_key() -> str:
    return Fernet.generate_key().decode()


def parse_fernet_keys(name: str, raw: str) -> list[str]:
    keys = [item.strip() for item in raw.split(",") if item.strip()]
    if not keys:
        raise ImproperlyConfigured(f"{name} must hold at least one Fernet key")
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key.encode())
        except (ValueError, TypeError):
            # The key itself is never echoed: it is a secret.
            raise ImproperlyConfigured(
                f"{name}: key #{position} is not a valid Fernet key (32 url-safe base64-encoded bytes); "
                "generate one with: python -c 'from cryptography.fernet import Fernet; "
                "print(Fernet.generate_key().decode())'"
            ) from None
    return keys


def env_https_urls(name: str, default: list[str]) -> list[str]:
    """Comma-separated https:// URLs (a host, optionally a port and a path; no credentials, query or
    fragment), each without its trailing slash."""
    urls = []
    for url in env_list(name, default):
        parts = urlsplit(url)
        if (
            parts.scheme != "https"
            or not parts.hostname
            or "@" in parts.netloc
            or parts.query
            or parts.fragment
        ):
            raise ImproperlyConfigured(
                f"{name} entries must be https:// URLs without credentials, query or fragment; got {url!r}"
            )
        urls.append(url.rstrip("/"))
    return urls


def env_public_url(name: str) -> str:
    """The address people open a site at (http:// or https://, a host, optionally a port and a path; no
    credentials, query or fragment), without its trailing slash; "" when not set."""
    url = env_str(name)
    if not url:
        return ""
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
    ):
        raise ImproperlyConfigured(
            f"{name} must be an http:// or https:// URL without credentials, query or fragment; got {url!r}"
        )
    return url.rstrip("/")


def env_networks(name: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """Comma-separated networks in CIDR notation (10.0.0.0/8, fd00::/8); an address is a network of one."""
    networks = []
    for item in env_list(name):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ImproperlyConfigured(
                f"{name} entries must be networks like 10.0.0.0/8 or fd00::/8; got {item!r}"
            ) from None
    return networks


def parse_cache_url(name: str, url: str, *, default_file_dir: Path) -> dict:
    """Turn a CACHE_URL / REDIS_URL into a Django CACHES entry."""
    scheme = urlsplit(url).scheme
    if scheme in ("redis", "rediss", "unix"):
        # A Redis that stops answering costs a page at most a few seconds, never a hung request.
        return {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "OPTIONS": {"socket_connect_timeout": 3, "socket_timeout": 3},
        }
    if scheme == "file":
        location = unquote(urlsplit(url).path) or str(default_file_dir)
        return {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": location}
    if scheme == "locmem":
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    if scheme == "dummy":
        return {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}
    raise ImproperlyConfigured(
        f"{name} must start with redis://, rediss://, unix://, file://, locmem:// or dummy://; got {scheme!r}"
    )


def broker_transport_options(url: str, var_dir: Path, *, visibility_timeout: int, create: bool) -> dict:
    """Options for the broker transport.

    Redis redelivers a task that no worker acknowledged within `visibility_timeout` seconds, and counts a
    task's countdown in that time: the timeout must outlast the longest countdown, or a retry scheduled for
    later runs twice. The filesystem transport needs shared folders so that the web server, the worker and
    beat, all on one machine, exchange messages without a broker server; they are made only when `create`
    (the embedded parts are allowed), so a production start writes nothing.
    """
    if url.startswith(("redis://", "rediss://", "unix://")):
        # Bounded waits: a broker that stops answering is an error within seconds, not a hung process.
        return {"visibility_timeout": visibility_timeout, "socket_connect_timeout": 3, "socket_timeout": 5}
    if not url.startswith("filesystem://"):
        return {}
    queue = var_dir / "celery" / "queue"
    control = var_dir / "celery" / "control"
    if create:
        for folder in (queue, control):
            private_dir(folder)
    return {
        "data_folder_in": str(queue),
        "data_folder_out": str(queue),
        "control_folder": str(control),
        "store_processed": False,
    }


def broker_url_beside_cache(redis_url: str) -> str:
    """The broker's default when only REDIS_URL is given: the same server, the next database.

    The cache may evict keys under memory pressure and the broker must never lose a message, so the two
    never share a database (see "Redis" in README.md for the eviction settings).
    """
    return redis_url_moved(redis_url, 1)


def redis_database(redis_url: str) -> int | None:
    """The database number a Redis URL names (0 when it names none); None for any other URL."""
    parts = urlsplit(redis_url)
    if parts.scheme not in ("redis", "rediss"):
        return None
    path = parts.path.strip("/")
    return int(path) if path.isdigit() else 0


def redis_url_moved(redis_url: str, by: int) -> str:
    """The same Redis server's database `by` places further on; any other URL is returned as it is."""
    database = redis_database(redis_url)
    if database is None:
        return redis_url
    return urlsplit(redis_url)._replace(path=f"/{database + by}").geturl()


def redact_url(text: str) -> str:
    """A URL fit for a log line or a page: the password of every URL in `text` is replaced."""
    return _URL_PASSWORD.sub(r"\g<head>***@", text)
