"""extract stage: vendor documents in, flows with evidence out.

document = read_document("guide.pdf")      # readers/: one module per format
extraction = extract_flows(document)       # tables, prose and steps → ExtractedFlow
"""

from portplan.extract.document import Document, Table, TextLine
from portplan.extract.extractor import extract_flows
from portplan.extract.readers import read_document
from portplan.extract.result import Evidence, ExtractedFlow, Extraction, Unparsed

__all__ = [
    "Document",
    "Evidence",
    "ExtractedFlow",
    "Extraction",
    "Table",
    "TextLine",
    "Unparsed",
    "extract_flows",
    "read_document",
]
