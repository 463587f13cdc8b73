"""The ``portplan`` command line: thin wrappers over the library (see ``pipeline.py``)."""
