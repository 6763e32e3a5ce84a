"""Taiwan's official tables group digits by thousands with commas (1,495; 144,982), where
Django's zh_Hant locale groups none; this is what humanize's intcomma uses. Everything
else comes from Django's locale."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
