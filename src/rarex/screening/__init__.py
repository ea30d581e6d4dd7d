"""Party screening: watch lists, bilingual name matching, hits on applications."""
