"""Messages our catalogue translates although our code does not say them: an installed
package translates them differently and its catalogue outranks Django's own. Django REST
framework's zh_Hant has "This field is required." as 此為必需欄位。, where Django — and every
form of the portal until the API came — says 這個欄位是必須的。; LOCALE_PATHS outranks
every app, so the portal's own entry decides; and Django's "- Select an option -", which it
has no zh_Hant for. gettext_noop keeps them in `make messages`."""

from django.utils.translation import gettext_noop

PINNED = [
    gettext_noop("This field is required."),
    # Django's empty choice of a required select with no blank option of ours.
    gettext_noop("- Select an option -"),
]
