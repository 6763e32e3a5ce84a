"""統一編號 (Unified Business Number): 8 digits with a Ministry of Finance check digit.

Since 2023 the weighted digit sum must be divisible by 5 (before: by 10). Weights are
1,2,1,2,1,2,4,1; each product contributes the sum of its two digits. When the 7th digit is
7 its product is 28, whose digits make 10, which may count as 1 or 0: the number is then
also valid when the sum plus one is divisible by 5. All zeros is refused.
"""

import re
import unicodedata

WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)
_EIGHT_DIGITS = re.compile(r"^[0-9]{8}$")


def normalize_text(value) -> str:
    """Full-width characters typed with a Chinese input method (０４５９) become ASCII."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", "" if value is None else str(value)).strip()


def normalize_ubn(value) -> str:
    """The 統一編號 as 8 ASCII digits where it can be: full-width digits are converted and
    a number that lost its leading zeros in a spreadsheet (4595257) is padded."""
    text = normalize_text(value).replace(" ", "")
    if text.isascii() and text.isdecimal() and len(text) < 8:
        text = text.zfill(8)
    return text


def checksum(ubn: str) -> int:
    total = 0
    for digit, weight in zip(ubn, WEIGHTS, strict=True):
        product = int(digit) * weight
        total += product // 10 + product % 10
    return total


def is_valid_ubn(value: str) -> bool:
    value = normalize_text(value)
    if not _EIGHT_DIGITS.match(value) or value == "00000000":
        return False
    total = checksum(value)
    if total % 5 == 0:
        return True
    return value[6] == "7" and (total + 1) % 5 == 0


def complete_ubn(first_seven: str) -> str:
    """The first valid 8-digit number starting with these seven digits (for demo data)."""
    for last in "0123456789":
        candidate = first_seven + last
        if is_valid_ubn(candidate):
            return candidate
    raise ValueError(f"no check digit completes {first_seven}")
