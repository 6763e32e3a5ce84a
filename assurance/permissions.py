"""Who sees the checks across alliances: the programme office and the department (every
alliance, in full); an alliance's team sees the findings about its own alliance on its
filing pages, without the other alliances' data."""

from accounts.permissions import is_office
from alliances.permissions import is_programme_reader


def can_read(user) -> bool:
    return is_programme_reader(user)


def can_run(user) -> bool:
    return is_office(user)
