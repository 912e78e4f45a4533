"""The ``medarchive`` command: the top layer, composing the archive's read commands
(:mod:`archive`) with the crawl commands (:mod:`crawler`)."""
