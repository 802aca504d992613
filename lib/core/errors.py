"""The one exception lib raises for refused input, carrying every problem found."""

from __future__ import annotations


class Invalid(ValueError):
    """Input was refused: errors maps a field (or a row/column place) to a Vietnamese message."""

    def __init__(self, errors: dict[str, str] | str) -> None:
        self.errors = {"": errors} if isinstance(errors, str) else dict(errors)
        super().__init__("; ".join(self.errors.values()))

    @property
    def messages(self) -> list[str]:
        """The messages alone, in the order found."""
        return list(self.errors.values())
