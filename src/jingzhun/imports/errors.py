"""Errors of the imports app shared by its modules."""


class FileRejected(Exception):
    """The file as a whole cannot be read (not a spreadsheet, wrong headers, too big…): nothing is imported."""
