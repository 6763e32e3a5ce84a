"""Every URL pattern of the portal, with sample arguments, for the permission matrix."""

import re

from django.urls import URLPattern, URLResolver, get_resolver, reverse


def all_patterns():
    """(key, pattern, route) for every URL pattern: key is 'namespace:name', or the route
    for an unnamed pattern."""

    def walk(patterns, prefix="", namespace=""):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = namespace
                if entry.namespace:
                    ns = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern):
                route = prefix + str(entry.pattern)
                if entry.name:
                    key = f"{namespace}:{entry.name}" if namespace else entry.name
                else:
                    key = route
                yield key, entry, route

    return list(walk(get_resolver().url_patterns))


def argument_names(pattern: URLPattern) -> list[str]:
    return sorted(pattern.pattern.regex.groupindex)


def build(key: str, pattern: URLPattern, route: str, samples: dict) -> str:
    """A concrete URL for the pattern, arguments taken from `samples`."""
    kwargs = {name: samples[name] for name in argument_names(pattern)}
    if pattern.name:
        return reverse(key, kwargs=kwargs)
    path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(kwargs[m.group(1)]), route)
    path = re.sub(r"\(\?P<(\w+)>[^)]*\)", lambda m: str(kwargs[m.group(1)]), path)
    return "/" + path.lstrip("^").rstrip("$")
