"""The header's search: an encoding id or a name, in every organization the user may see, and no other.

Every query starts from ``access.organizations_for(user)`` (a subquery, so the number of organizations
changes no query count), reads live encodings only (a deleted one is in no list, so no search finds it),
and writes names with the list's own search rules (selectors/search.py), so a result's "more" link to that
organization's list shows the same encodings and more of them.

Queries, whatever the number of organizations: one for an id-shaped text (its exact id), and one for the
names, the first few per organization picked by the database (a window numbering each organization's matches)
instead of one query per organization.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import F, Window
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
    numbered = (
        Encoding.objects.live()
        .filter(organization__in=organizations_for(user))
        .filter(search_q(parsed))
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("organization_id")],
                order_by=[F("created_at").desc(), F("pk").desc()],
            )
        )
        .filter(rank__lte=per_organization + 1)
        .select_related("organization")
        .only(*_COLUMNS)
        .order_by(Lower("organization__name"), "organization_id", "rank")
    )
    groups: dict[int, OrganizationMatches] = {}
    for encoding in numbered:
        group = groups.setdefault(encoding.organization_id, OrganizationMatches(encoding.organization))
        if encoding.rank > per_organization:
            group.more = True
        else:
            group.encodings.append(encoding)
    return list(groups.values())


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
