"""Lists in the reader's language: 甲、乙、丙 in Chinese, "a, b, c" in English.

The separator is itself translated (msgctxt "list separator"), so a list joined here
reads right in whichever language is active when it is joined."""

from collections.abc import Iterable

from django.utils.translation import pgettext


def separator() -> str:
    return pgettext("list separator", ", ")


def join(items: Iterable, first=None) -> str:
    """The items (and `first` before them, if given) as one list of the active language."""
    words = [str(item) for item in items]
    if first is not None:
        words.insert(0, str(first))
    return separator().join(words)


def quoted(name) -> str:
    """A name as the active language quotes it: 「收入」 in Chinese, “收入” in English."""
    return pgettext("quoted name", "“%(name)s”") % {"name": name}
