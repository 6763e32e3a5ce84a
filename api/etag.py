"""ETag and If-None-Match for the report endpoints: the tag is the SHA-256 of the answer's
data (keys sorted: so it changes whenever a figure, a label or the asker's view of the
names changes, and never otherwise); a client that sends it back, strong or weak (W/), gets
304 Not Modified and no body. The figures are still computed: what a 304 saves is the
transfer and the client's own work."""

import hashlib
import json

from django.utils.http import parse_etags
from rest_framework import status
from rest_framework.response import Response


def conditional(request, data) -> Response:
    body = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    tag = f'"{hashlib.sha256(body.encode()).hexdigest()[:32]}"'
    asked = {t.removeprefix("W/") for t in parse_etags(request.headers.get("If-None-Match", ""))}
    response = (
        Response(status=status.HTTP_304_NOT_MODIFIED)
        if tag in asked or "*" in asked
        else Response(data)
    )
    response["ETag"] = tag
    return response
