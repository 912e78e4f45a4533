"""Resolving the works the archive cites (DOIs, PMIDs, PMCIDs) from scholarly APIs.

:mod:`.limits` paces requests to each API and retries them politely; :mod:`.crossref` and
:mod:`.ncbi` ask one API each and turn its JSON into a work; :mod:`.enrich` decides what to
ask and writes the answers through :mod:`archive.works`.
"""
