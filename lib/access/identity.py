"""Who is who: the one name key that matches people and authors, and the one authorship rule."""

from __future__ import annotations

import unicodedata
from collections.abc import Hashable, Iterable
from typing import Generic, Protocol, TypeVar

from lib.core.text import nfc

K = TypeVar("K", bound=Hashable)


class AuthorLike(Protocol):
    """What the authorship rule looks at (lib.scoring.authors.Author has it)."""

    name: str
    person_id: int | None


def name_key(full_name: str) -> str:
    """The key two written names match on: case, spacing and Unicode form aside, diacritics kept.

    In Vietnamese "Lan" and "Lân" are different names, so accents are never folded away; a '_'
    counts as a space, as a list exported from another system may write "Nguyễn_Thị_Lan"."""
    return unicodedata.normalize("NFC", nfc((full_name or "").replace("_", " ")).casefold())


class AuthorMatcher(Generic[K]):
    """People indexed once (by a key of the caller's: a username, an index) to find who wrote
    what: an author linked to a person is that person only; an unlinked author (typed as a
    name) is every person whose name has the same name_key."""

    def __init__(self, people: Iterable[tuple[K, int, str]]) -> None:
        self._by_person: dict[int, list[K]] = {}
        self._by_name: dict[str, list[K]] = {}
        for key, person_id, full_name in people:
            self._by_person.setdefault(int(person_id), []).append(key)
            self._by_name.setdefault(name_key(full_name), []).append(key)

    def writers(self, authors: Iterable[AuthorLike]) -> list[K]:
        """The keys of the indexed people who are among these authors, in author order."""
        found: list[K] = []
        for a in authors:
            if a.person_id is not None:
                found += self._by_person.get(int(a.person_id), [])
            else:
                found += self._by_name.get(name_key(a.name), [])
        return list(dict.fromkeys(found))


def is_author(authors: Iterable[AuthorLike], person_id: int, full_name: str) -> bool:
    """Tell whether this person is among the authors (the rule of AuthorMatcher, for one)."""
    return bool(AuthorMatcher([(0, person_id, full_name)]).writers(authors))
