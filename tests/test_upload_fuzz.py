"""No 500 from any workbook: 200 mutated workbooks through each import (an alliance's members,
the office's registry, the office's PI accounts): flipped bytes, truncated packages, broken
XML, external and expanding entities, wrong content types, other formats. Every answer is
a page with a message; no row is saved. The mutations are drawn from a fixed seed, so a
failure can be replayed."""

import io
import random
import re
import zipfile
import zlib

import pytest

from accounts.models import User
from alliances.models import Alliance, AllianceRole, AllianceYear
from core.models import AuditEvent, ImportBatch
from kpi.models import RevenueEntry
from members.models import Firm, Membership
from members.ubn import complete_ubn
from tests import test_workbook_import
from tests.workbook_helpers import MEMBER_HEADERS, member_row, workbook_bytes

ay = test_workbook_import.ay  # the fixture: MECH001's 106, no members yet

PER_IMPORT = 200
XXE = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" '
    'uniqueCount="1"><si><t>&e;</t></si></sst>'
)
LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8))
    + ']><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&i;'
    "</t></si></sst>"
)


def repack(data: bytes, change) -> bytes:
    """The package with change(name, content) applied to each part (None drops it)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            content = change(item.filename, source.read(item.filename))
            if content is not None:
                target.writestr(item.filename, content)
    return out.getvalue()


def mutations(base: bytes, seed: int):
    """PER_IMPORT mutated packages of `base`, in eight families."""
    rng = random.Random(seed)
    with zipfile.ZipFile(io.BytesIO(base)) as package:
        names = package.namelist()
    xml_names = [n for n in names if n.endswith(".xml")]

    def flipped():
        raw = bytearray(base)
        for _ in range(rng.randint(1, 40)):
            raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return bytes(raw)

    def truncated():
        return base[: rng.randrange(4, len(base))]

    def broken_xml():
        victim = rng.choice(xml_names)

        def change(name, content):
            if name != victim:
                return content
            cut = rng.randrange(len(content))
            return (
                content[:cut]
                + rng.choice([b"<", b"</x>", b"&", b"\x00", b""])
                + content[cut + rng.randrange(0, 40) :]
            )

        return repack(base, change)

    def entities():
        target = rng.choice(["xl/sharedStrings.xml", "xl/worksheets/sheet1.xml"])
        body = rng.choice([XXE, LAUGHS]).encode()
        return repack(base, lambda name, content: body if name == target else content)

    def content_types():
        def change(name, content):
            if name == "[Content_Types].xml":
                return rng.choice(
                    [
                        None,
                        b"",
                        content.replace(b"spreadsheetml", b"wordprocessingml"),
                        content.replace(b"sheet.main+xml", b"text/plain"),
                        re.sub(rb"<Override[^>]*/>", b"", content, count=2),
                    ]
                )
            return content

        return repack(base, change)

    def dropped_part():
        victim = rng.choice(names)
        return repack(base, lambda name, content: None if name == victim else content)

    def other_format():
        return rng.choice(
            [
                b"%PDF-1.4\n" + rng.randbytes(200),
                b"\x89PNG\r\n\x1a\n" + rng.randbytes(200),
                b"\xd0\xcf\x11\xe0" + rng.randbytes(200),
                b"PK\x03\x04" + rng.randbytes(300),
                "名稱,統一編號\n".encode() * 20,
                b"",
            ]
        )

    def shuffled_sheet():
        def change(name, content):
            if name == "xl/worksheets/sheet1.xml":
                return content.replace(b'r="', b'r="' + str(rng.randrange(1, 99)).encode())
            if name == "xl/workbook.xml":
                return content.replace(b"sheetId=", b"sheetId=x")
            return content

        return repack(base, change)

    families = [
        flipped,
        truncated,
        broken_xml,
        entities,
        content_types,
        dropped_part,
        other_format,
        shuffled_sheet,
    ]
    for i in range(PER_IMPORT):
        yield families[i % len(families)].__name__, families[i % len(families)]()


def rows_saved():
    return tuple(
        model.objects.count()
        for model in (
            Membership,
            Firm,
            RevenueEntry,
            User,
            AllianceRole,
            Alliance,
            AllianceYear,
            AuditEvent,
        )
    )


MESSAGE = re.compile(r'class="errorlist|role="alert"|class="error-summary')


@pytest.mark.parametrize(
    ("who", "url", "base"),
    [
        (
            "pi",
            "/alliances/{pk}/members/import/",
            lambda: workbook_bytes(
                {
                    "成員": [
                        MEMBER_HEADERS,
                        member_row("MECH001", 106, complete_ubn("5300001"), "甲公司"),
                        member_row("MECH001", 106, complete_ubn("5300002"), "乙公司"),
                    ]
                }
            ),
        ),
        (
            "office",
            "/office/import/",
            lambda: workbook_bytes(
                {
                    "成員": [
                        MEMBER_HEADERS,
                        member_row("MECH001", 106, complete_ubn("5300001"), "甲公司"),
                    ]
                }
            ),
        ),
        (
            "office",
            "/office/pis/import/",
            lambda: workbook_bytes(
                {
                    "計畫主持人": [
                        ["姓名", "電子郵件", "聯盟"],
                        ["王小明", "new-pi@example.org", "新聯盟"],
                    ]
                }
            ),
        ),
    ],
    ids=["members", "registry", "pi-accounts"],
)
def test_two_hundred_mutated_workbooks_get_a_message_and_save_nothing(
    client, people, ay, worker, who, url, base
):
    """The registry is checked in the background: a workbook that can be read at all is
    queued (the answer is its batch's page), and the worker's verdict is read there."""
    client.force_login(getattr(people, who))
    url = url.format(pk=people.alliance.pk)
    before = rows_saved()
    kinds = set()
    queued = []
    for number, (family, data) in enumerate(mutations(base(), seed=zlib.crc32(url.encode()))):
        file = io.BytesIO(data)
        file.name = "fuzz.xlsx"
        response = client.post(url, {"workbook": file})  # a 500 raises here
        kinds.add(family)
        if response.status_code == 302:
            assert re.fullmatch(r"/office/import/\d+/", response["Location"]), (number, family)
            queued.append((number, family, response["Location"]))
            continue
        assert response.status_code == 200, (number, family)
        page = response.content.decode()
        assert MESSAGE.search(page) or "預覽" in page, (number, family)
    worker()  # a task that raised would leave its batch "failed", which the page says
    assert not ImportBatch.objects.filter(status__in=["checking", "applying"]).exists()
    for number, family, location in queued:
        page = client.get(location).content.decode()
        assert MESSAGE.search(page) or "儲存這些變更" in page, (number, family)
    assert rows_saved() == before
    assert len(kinds) == 8
