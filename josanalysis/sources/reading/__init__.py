"""The one shared reading layer behind every loader in :mod:`josanalysis.sources`.

Everything the bodies that supply data do differently is absorbed here, once, in modules named
for what they hold:

* :mod:`~josanalysis.sources.reading.files` — bytes and text: ``.gz``, encodings (UTF-8 with or
  without BOM, else Windows-1252; UTF-16, binary and Excel files refused with a sentence saying
  how to export them), the one delimiter sniffer (``;`` or ``,``, quoted fields skipped);
* :mod:`~josanalysis.sources.reading.table` — a delimited file as a :class:`RawTable` of stripped
  text cells with spreadsheet row numbers, header names normalised for matching;
* :mod:`~josanalysis.sources.reading.columns` — header drift: per-loader synonym lists (Dutch and
  English) mapped to canonical column names;
* :mod:`~josanalysis.sources.reading.numbers` — counts and decimals: quoted or not, decimal comma,
  ``.`` thousands separators; ``<5``, ``.`` and empty cells become missing with a
  ``*_suppressed`` flag, never zero;
* :mod:`~josanalysis.sources.reading.dates` — dates and school years (school-year arithmetic
  itself lives in :mod:`josanalysis.core.schoolcalendar`);
* :mod:`~josanalysis.sources.reading.codes` — codes kept as strings (leading zeros survive):
  vestigingscodes, municipality codes, category values;
* :mod:`~josanalysis.sources.reading.schema` — refusals as one
  :class:`~josanalysis.core.errors.DataError` naming file, spreadsheet rows (header = row 1),
  column and what was expected; pandera validation translated into such sentences;
* :mod:`~josanalysis.sources.reading.pseudonyms` — pupil identifiers replaced by a keyed hash
  (HMAC-SHA256), in Python and in DuckDB SQL;
* :mod:`~josanalysis.sources.reading.workbook` — ``.xlsx`` templates read as rows of text, or
  copied to CSV for DuckDB;
* :mod:`~josanalysis.sources.reading.school_table` — the common start of a school-level template
  (read, header synonyms, school codes checked, school year or date parsed).

Loaders keep the spreadsheet row number of every record in a column ``_row`` while they work and
drop it before returning (:func:`~josanalysis.sources.reading.schema.finish`).
"""
