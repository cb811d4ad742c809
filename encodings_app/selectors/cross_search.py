"""The header's search: an encoding id or a name, in every organization the user may see, and no other.

Every query starts from ``access.organizations_for(user)`` (a subquery, so the number of organizations
changes no query count), reads live encodings only (a deleted one is in no list, so no search finds it),
and writes names with the list's own search rules (selectors/search.py), so a result's "more" link to that
organization's list shows the same encodings and more of them.

Queries, whatever the number of organizations: one for an id-shaped text (its exact id), and one for the
names, the first few per organization picked by the database instead of one query per organization.
EXPLAIN ANALYZE on 1,000,000 encodings (bench_pages' dataset, a user of its five organizations), planning and
execution: an id 0.2 ms; "Match" (a quarter of the names) 0.8 ms; name:Match* 0.7 ms; a word in no name
0.4 ms (the trigram index); labels:news 1.4 ms; "Episode 12" 5.6 ms.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BigIntegerField, F, Func, OuterRef, Q, QuerySet, Window
from django.db.models.functions import Lower, RowNumber

from encodings_app.access import organizations_for
from encodings_app.bitmovin.ids import is_valid_id
from encodings_app.models import LIST_COLUMNS, Encoding, Organization
from encodings_app.selectors.search import ParsedSearch, parse_search, search_q

# Matches shown per organization; its list (the "more" link) has the rest.
PER_ORGANIZATION = 5
# The header's box takes what the list's search box takes (forms.EncodingFilterForm's q).
MAX_SEARCH_LENGTH = 500
# A row of the list, and what its organization's heading shows.
_COLUMNS = (*LIST_COLUMNS, "organization__name", "organization__slug", "organization__colour")


@dataclass
class OrganizationMatches:
    organization: Organization
    encodings: list[Encoding] = field(default_factory=list)
    # More matches than shown: the organization's list, searched the same way, has them.
    more: bool = False


@dataclass
class CrossSearch:
    text: str
    notes: list[str] = field(default_factory=list)
    # Encodings whose Bitmovin id is the text, one per organization holding it.
    by_id: list[Encoding] = field(default_factory=list)
    groups: list[OrganizationMatches] = field(default_factory=list)

    @property
    def single_id_match(self) -> Encoding | None:
        """The encoding the text names, when exactly one organization of the user holds that id."""
        return self.by_id[0] if len(self.by_id) == 1 else None

    @property
    def found_nothing(self) -> bool:
        return not self.by_id and not self.groups


def encodings_by_id(user, bitmovin_id: str) -> list[Encoding]:
    """The user's live encodings with this Bitmovin id (an id is unique per organization only), each holding
    its organization; served by the (organization, bitmovin_id) unique index, one probe per organization."""
    found = (
        Encoding.objects.live()
        .filter(organization__in=organizations_for(user), bitmovin_id=bitmovin_id)
        .select_related("organization")
        .only(*_COLUMNS)
        .order_by(Lower("organization__name"), "organization_id")
    )
    return list(found)


def encodings_by_name(
    user, parsed: ParsedSearch, per_organization: int = PER_ORGANIZATION
) -> list[OrganizationMatches]:
    """The newest ``per_organization`` matches of each organization of the user, organizations by name.
    One more than shown is read to know whether there are more."""
    if not parsed.terms:
        return []
    matches = Encoding.objects.live().filter(search_q(parsed))
    if connection.vendor == "postgresql":
        wanted = Q(pk__in=_newest_per_organization(user, matches, per_organization + 1))
    else:
        wanted = Q(pk__in=_numbered(user, matches, per_organization + 1))
    found = (
        Encoding.objects.filter(wanted)
        .select_related("organization")
        .only(*_COLUMNS)
        .order_by(Lower("organization__name"), "organization_id", "-created_at", "-pk")
    )
    groups: dict[int, OrganizationMatches] = {}
    for encoding in found:
        group = groups.setdefault(encoding.organization_id, OrganizationMatches(encoding.organization))
        if len(group.encodings) == per_organization:
            group.more = True
        else:
            group.encodings.append(encoding)
    return list(groups.values())


def _newest_per_organization(user, matches: QuerySet[Encoding], limit: int) -> QuerySet:
    """The ids of each organization's newest ``limit`` matches, organization by organization (a correlated
    array per organization, what a LATERAL join would be): each is read from its own organization's list
    index (enc_org_created) and stops at ``limit``, or from the search's own index when the planner expects
    few matches. Ranking every match of every organization at once (the window below) reads and sorts
    all of them: a common word is a quarter of a million names at 1,000,000 encodings."""
    newest = matches.filter(organization=OuterRef("pk")).order_by("-created_at", "-pk").values("pk")[:limit]
    unnested = Func(ArraySubquery(newest), function="unnest", output_field=BigIntegerField())
    return organizations_for(user).annotate(found=unnested).values("found")


def _numbered(user, matches: QuerySet[Encoding], limit: int) -> QuerySet:
    """The same ids where there are no arrays (SQLite): every match numbered within its organization."""
    numbered = matches.filter(organization__in=organizations_for(user)).annotate(
        rank=Window(
            RowNumber(),
            partition_by=[F("organization_id")],
            order_by=[F("created_at").desc(), F("pk").desc()],
        )
    )
    return numbered.filter(rank__lte=limit).values("pk")


def cross_search(user, text: str) -> CrossSearch:
    """What the header's search finds for this user: notes say what could not be searched as written."""
    text = (text or "").strip()
    result = CrossSearch(text=text)
    if not text:
        result.notes.append("Type an encoding id or a name to search for.")
        return result
    if len(text) > MAX_SEARCH_LENGTH:
        result.text = ""
        result.notes.append(
            f"The search is {len(text)} characters long; it can be at most {MAX_SEARCH_LENGTH}. "
            "Nothing was searched."
        )
        return result
    if is_valid_id(text):
        result.by_id = encodings_by_id(user, text)
        if result.single_id_match is not None:
            return result
    parsed = parse_search(text)
    result.notes.extend(f"Search: {problem}" for problem in parsed.problems)
    if parsed.nothing_left:
        result.notes.append("Search: nothing in it could be searched for.")
    result.groups = encodings_by_name(user, parsed)
    return result
