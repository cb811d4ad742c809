"""Vocabulary for realistic data: titles, labels, regions, encoder versions, organizations."""

from __future__ import annotations

import random
from itertools import accumulate

# fmt: off
CLOUD_REGIONS: tuple[str, ...] = (
    "AWS_US_EAST_1", "AWS_US_EAST_2", "AWS_US_WEST_1", "AWS_US_WEST_2", "AWS_EU_WEST_1",
    "AWS_EU_CENTRAL_1", "AWS_AP_SOUTHEAST_1", "AWS_AP_SOUTHEAST_2", "AWS_AP_NORTHEAST_1",
    "AWS_AP_NORTHEAST_2", "AWS_AP_SOUTH_1", "AWS_SA_EAST_1", "AWS_EU_WEST_2", "AWS_EU_WEST_3",
    "AWS_CA_CENTRAL_1", "AWS_EU_NORTH_1", "GOOGLE_US_CENTRAL_1", "GOOGLE_US_EAST_1", "GOOGLE_ASIA_EAST_1",
    "GOOGLE_EUROPE_WEST_1", "GOOGLE_US_WEST_1", "GOOGLE_ASIA_EAST_2", "GOOGLE_ASIA_NORTHEAST_1",
    "GOOGLE_ASIA_SOUTH_1", "GOOGLE_ASIA_SOUTHEAST_1", "GOOGLE_AUSTRALIA_SOUTHEAST_1",
    "GOOGLE_EUROPE_NORTH_1", "GOOGLE_EUROPE_WEST_2", "GOOGLE_EUROPE_WEST_3", "GOOGLE_EUROPE_WEST_4",
    "GOOGLE_NORTHAMERICA_NORTHEAST_1", "GOOGLE_SOUTHAMERICA_EAST_1", "GOOGLE_US_EAST_4",
    "GOOGLE_US_WEST_2", "GOOGLE_ME_CENTRAL_2", "AZURE_ASIA_EAST", "AZURE_ASIA_SOUTHEAST",
    "AZURE_AUSTRALIA_EAST", "AZURE_AUSTRALIA_SOUTHEAST", "AZURE_BRAZIL_SOUTH", "AZURE_CANADA_CENTRAL",
    "AZURE_EUROPE_NORTH", "AZURE_EUROPE_WEST", "AZURE_FRANCE_CENTRAL", "AZURE_GERMANY_WESTCENTRAL",
    "AZURE_INDIA_CENTRAL", "AZURE_INDIA_SOUTH", "AZURE_JAPAN_EAST", "AZURE_JAPAN_WEST",
    "AZURE_KOREA_CENTRAL", "AZURE_UAE_NORTH", "AZURE_US_CENTRAL", "AZURE_US_EAST", "AZURE_US_EAST2",
    "AZURE_US_WEST", "AZURE_US_WEST2", "AZURE_US_SOUTH_CENTRAL", "AZURE_US_NORTH_CENTRAL",
    "AZURE_UK_SOUTH", "AKAMAI_AU_MEL", "AKAMAI_BR_GRU", "AKAMAI_ES_MAD", "AKAMAI_FR_PAR", "AKAMAI_ID_CGK",
    "AKAMAI_IN_MAA", "AKAMAI_IT_MIL", "AKAMAI_JP_OSA", "AKAMAI_NL_AMS", "AKAMAI_SE_STO", "AKAMAI_US_LAX",
    "AKAMAI_US_MIA", "AKAMAI_US_ORD", "AKAMAI_US_SEA", "OCI_EU_FRANKFURT_1", "OCI_US_ASHBURN_1",
    "NORTH_AMERICA", "SOUTH_AMERICA", "EUROPE", "AFRICA", "ASIA", "AUSTRALIA", "AWS", "GOOGLE", "EXTERNAL",
    "AUTO",
)
# fmt: on
CLOUD_REGION_SET = frozenset(CLOUD_REGIONS)

# Unspecific regions resolve to one of these specific ones once an encoding starts.
RESOLUTION: dict[str, tuple[str, ...]] = {
    "AUTO": (
        "AWS_EU_WEST_1",
        "AWS_US_EAST_1",
        "GOOGLE_EUROPE_WEST_1",
        "AWS_EU_CENTRAL_1",
        "GOOGLE_US_EAST_1",
    ),
    "EUROPE": ("AWS_EU_WEST_1", "AWS_EU_CENTRAL_1", "GOOGLE_EUROPE_WEST_1", "AZURE_EUROPE_WEST"),
    "NORTH_AMERICA": ("AWS_US_EAST_1", "AWS_US_WEST_2", "GOOGLE_US_CENTRAL_1", "AZURE_US_EAST"),
    "SOUTH_AMERICA": ("AWS_SA_EAST_1", "GOOGLE_SOUTHAMERICA_EAST_1"),
    "ASIA": ("AWS_AP_SOUTHEAST_1", "AWS_AP_NORTHEAST_1", "GOOGLE_ASIA_EAST_1"),
    "AUSTRALIA": ("AWS_AP_SOUTHEAST_2", "GOOGLE_AUSTRALIA_SOUTHEAST_1"),
    "AFRICA": ("AWS_EU_WEST_1",),
    "AWS": ("AWS_US_EAST_1", "AWS_EU_WEST_1", "AWS_EU_CENTRAL_1"),
    "GOOGLE": ("GOOGLE_US_EAST_1", "GOOGLE_EUROPE_WEST_1"),
    "EXTERNAL": ("AWS_US_EAST_1",),
}

# (region, weight): most customers leave AUTO or pick a big AWS/Google region.
REGION_WEIGHTS: tuple[tuple[str, int], ...] = (
    ("AUTO", 30),
    ("AWS_EU_WEST_1", 14),
    ("AWS_US_EAST_1", 14),
    ("GOOGLE_EUROPE_WEST_1", 8),
    ("AWS_EU_CENTRAL_1", 6),
    ("GOOGLE_US_EAST_1", 5),
    ("EUROPE", 5),
    ("NORTH_AMERICA", 4),
    ("AZURE_EUROPE_WEST", 3),
    ("AWS_AP_SOUTHEAST_1", 3),
    ("AKAMAI_FR_PAR", 2),
    ("AWS_US_WEST_2", 2),
    ("ASIA", 1),
    ("OCI_EU_FRANKFURT_1", 1),
)
_REGIONS = tuple(r for r, _ in REGION_WEIGHTS)
_REGION_CUM = tuple(accumulate(w for _, w in REGION_WEIGHTS))

STABLE_VERSION = "2.190.0"
BETA_VERSION = "2.191.0-beta"
ENCODER_VERSIONS: tuple[tuple[str, int], ...] = (
    ("STABLE", 55),
    ("2.190.0", 10),
    ("2.189.1", 8),
    ("2.185.0", 6),
    ("BETA", 5),
    ("2.176.2", 4),
    ("2.150.0", 2),
)
_VERSIONS = tuple(v for v, _ in ENCODER_VERSIONS)
_VERSION_CUM = tuple(accumulate(w for _, w in ENCODER_VERSIONS))
ENCODING_MODES = ("STANDARD", "SINGLE_PASS", "TWO_PASS", "THREE_PASS", "SMART_PASS")

SHOWS = (
    "Night Shift",
    "Harbour Lights",
    "The Long Road",
    "Kitchen Rules",
    "Wild Alps",
    "Deep Blue",
    "City of Glass",
    "Market Watch",
    "Northern Tales",
    "Garden Hour",
    "Street Food Diaries",
    "The Archive",
    "Crime Desk",
    "Open Roads",
    "Little Explorers",
    "Mountain Rescue",
)
EVENTS = (
    "Product launch keynote",
    "Q3 earnings call",
    "All-hands meeting",
    "Developer conference day 2",
    "Charity gala",
    "Town hall",
    "Press briefing",
    "Customer webinar",
    "Training: onboarding module",
)
SPORTS = (
    ("Rapid", "Sturm"),
    ("Salzburg", "Austria"),
    ("Lions", "Tigers"),
    ("Eagles", "Falcons"),
    ("United", "City"),
    ("Red Bulls", "Capitals"),
    ("Vikings", "Giants"),
)
FILMS = (
    "Sintel",
    "Big Buck Bunny",
    "Tears of Steel",
    "Elephants Dream",
    "Cosmos Laundromat",
    "Spring",
    "Agent 327",
    "Caminandes",
    "Glass Half",
    "Hero",
    "Coffee Run",
    "Sprite Fright",
)
VARIANTS = (
    "master",
    "trailer",
    "teaser",
    "4K HDR",
    "1080p",
    "mezzanine",
    "re-encode",
    "UHD",
    "mobile ladder",
    "per-title",
    "AV1 test",
    "HEVC",
    "audio fix",
)
LIVE_CHANNELS = (
    "Channel One 24/7",
    "Sports Live Feed",
    "Newsroom live",
    "Studio B stream",
    "Concert live stream",
    "Election night coverage",
    "Morning show live",
    "Esports finals",
)
CUSTOMERS = ("acme", "globex", "initech", "umbrella", "hooli", "stark", "wayne", "tyrell", "Customer1")
LABELS = (
    "vod",
    "premium",
    "4k",
    "hdr",
    "sports",
    "news",
    "priority",
    "ad-hoc",
    "catch-up",
    "archive",
    "trailer",
    "per-title",
    "av1",
    "hevc",
    "h264",
    "test",
    "nightly-batch",
)
LIVE_LABELS = ("live", "24-7", "event", "sports", "news")

COMPANIES = (
    ("Acme Media", "acme"),
    ("Globex Broadcasting", "globex"),
    ("Initech Studios", "initech"),
    ("Umbrella Streaming", "umbrella"),
    ("Hooli TV", "hooli"),
    ("Stark Sports", "stark"),
)
SUB_ORGS = ("Sports", "News", "Originals", "Kids", "Archive", "Marketing", "Live Events", "Partners")
FIRST_NAMES = ("Anna", "Lukas", "Sofia", "David", "Mia", "Jonas", "Elena", "Tobias", "Lea", "Marco")
LAST_NAMES = ("Gruber", "Huber", "Wagner", "Steiner", "Moser", "Bauer", "Novak", "Fischer", "Weber")
LABEL_COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")


def pick_region(rng: random.Random) -> str:
    return rng.choices(_REGIONS, cum_weights=_REGION_CUM)[0]


def pick_version(rng: random.Random) -> str:
    return rng.choices(_VERSIONS, cum_weights=_VERSION_CUM)[0]


def resolve_region(region: str, rng: random.Random) -> str:
    options = RESOLUTION.get(region)
    return rng.choice(options) if options else region


def resolve_version(version: str) -> str:
    if version == "STABLE":
        return STABLE_VERSION
    if version == "BETA":
        return BETA_VERSION
    return version


def vod_name(rng: random.Random) -> str:
    kind = rng.random()
    if kind < 0.35:
        season, episode = rng.randint(1, 6), rng.randint(1, 12)
        return f"{rng.choice(SHOWS)} S{season:02d}E{episode:02d} {rng.choice(VARIANTS)}"
    if kind < 0.6:
        return f"{rng.choice(FILMS)} {rng.choice(VARIANTS)}"
    if kind < 0.8:
        home, away = rng.choice(SPORTS)
        return f"Highlights {home} vs {away} {rng.randint(1, 28):02d}.{rng.randint(1, 12):02d}."
    if kind < 0.93:
        return f"{rng.choice(EVENTS)} {rng.choice(('2024', '2025', '2026'))}"
    return f"upload_{rng.randint(100000, 999999)}.mov"


def live_name(rng: random.Random) -> str:
    return f"{rng.choice(LIVE_CHANNELS)} #{rng.randint(1, 400)}"


def labels_for(rng: random.Random, live: bool) -> tuple[str, ...]:
    count = rng.choices((0, 1, 2, 3), weights=(2, 4, 4, 2))[0]
    pool = LIVE_LABELS if live else LABELS
    chosen = set(rng.sample(pool, k=min(count, len(pool))))
    if rng.random() < 0.5:
        chosen.add(f"customer-{rng.choice(CUSTOMERS)}" if rng.random() < 0.8 else "Customer1")
    return tuple(sorted(chosen))


def slug(text: str) -> str:
    out = "".join(c.lower() if c.isalnum() else "-" for c in text)
    return "-".join(part for part in out.split("-") if part)[:48]
