"""Text → block tree: the ordered registry of block rules.

:func:`structure` keeps the blocks a reader already structured and runs every run of plain
:class:`~portplan.extract.document.TextLine` through :data:`RULES`, in order; the first rule
that recognises its layout at a line reads it. Which markup the text is written in
(:func:`~portplan.extract.structure.markup.detect_markup`) is read once per document, for the
few layouts the languages spell alike.

A new layout is one module with one rule, one line here (its place in the order, and whether
it may interrupt a paragraph or is transparent), and a fixture in
``tests/extract/structure/fixtures/``.
"""

from __future__ import annotations

from collections.abc import Sequence

from portplan.extract.document import Document, StructuredBlock, TextLine
from portplan.extract.structure import (
    admonition_paragraph,
    aligned,
    asciidoc_definition,
    asciidoc_heading,
    asciidoc_table,
    attribute_entry,
    atx_heading,
    block_attributes,
    block_macro,
    blockquote,
    caption,
    cell_lines,
    colon_definition,
    comment,
    contents,
    csv_table,
    delimited_code,
    delimited_container,
    fence,
    fenced_admonition,
    front_matter,
    grid_table,
    html_markup,
    html_table,
    indented_code,
    link_reference,
    list_item,
    list_table,
    mdx_import,
    mkdocs_admonition,
    one_cell_per_line,
    paragraph,
    pipe_cells,
    pipe_rows,
    pipe_table,
    port_lines,
    preprocessor,
    records,
    rst_block_quote,
    rst_code,
    rst_comment,
    rst_definition,
    rst_directive,
    rst_dropped_directive,
    rst_literal,
    shortcode,
    simple_table,
    styled_paragraph,
    tab_table,
    thematic_break,
    underline_heading,
)
from portplan.extract.structure.base import BlockRule, LineState, Markup, read_blocks
from portplan.extract.structure.markup import detect_markup
from portplan.extract.structure.titles import promote_titles

# Most specific first. Lines that show nothing come before the blocks they could be taken
# for; tables before the heading underlines their borders resemble; the paragraph last.
# ``first``: the characters a layout's first line can start with (empty: any), so that a line
# of prose is offered only to the rules that could read it.
RULES: list[BlockRule] = [
    BlockRule("blank", paragraph.blank),
    # Lines that produce no block.
    BlockRule("front_matter", front_matter.front_matter, first="-+"),
    BlockRule("comment", comment.comment, interrupts_paragraph=True, transparent=True, first="/"),
    BlockRule("preprocessor", preprocessor.preprocessor, transparent=True, first="i"),
    BlockRule("attribute_entry", attribute_entry.attribute_entry, first=":"),
    BlockRule(
        "block_attributes", block_attributes.block_attributes, interrupts_paragraph=True, first="["
    ),
    BlockRule("block_macro", block_macro.block_macro, interrupts_paragraph=True, first="a"),
    BlockRule("rst_comment", rst_comment.rst_comment, first="."),
    BlockRule("rst_dropped_directive", rst_dropped_directive.rst_dropped_directive, first="."),
    BlockRule("shortcode", shortcode.shortcode, interrupts_paragraph=True, first="{"),
    BlockRule(
        "html_table",
        html_table.html_table,
        interrupts_paragraph=True,
        starts=html_table.starts,
        first="<",
    ),
    BlockRule("html_markup", html_markup.html_markup, interrupts_paragraph=True, first="<"),
    BlockRule("link_reference", link_reference.link_reference, first="["),
    BlockRule("mdx_import", mdx_import.mdx_import, first="a"),
    BlockRule("contents", contents.contents, interrupts_paragraph=True, starts=contents.starts),
    BlockRule(
        "announced_title",
        contents.announced_title,
        interrupts_paragraph=True,
        starts=contents.starts_announced,
    ),
    # Tables (before headings: a grid border or a simple-table rule is a run of marks too).
    BlockRule(
        "asciidoc_table",
        asciidoc_table.asciidoc_table,
        interrupts_paragraph=True,
        starts=asciidoc_table.starts,
        first="|,:",
    ),
    BlockRule(
        "pipe_table", pipe_table.pipe_table, interrupts_paragraph=True, starts=pipe_table.starts
    ),
    BlockRule(
        "pipe_cells", pipe_cells.pipe_cells, interrupts_paragraph=True, starts=pipe_cells.starts
    ),
    BlockRule("grid_table", grid_table.grid_table, starts=grid_table.starts, first="+"),
    BlockRule("simple_table", simple_table.simple_table, starts=simple_table.starts, first="="),
    BlockRule("list_table", list_table.list_table, first="."),
    BlockRule("csv_table", csv_table.csv_table, first="."),
    # Tables written as plain text: their layout shows only in the cells' meaning.
    BlockRule("pipe_rows", pipe_rows.pipe_rows),
    BlockRule("tab_table", tab_table.tab_table, interrupts_paragraph=True),
    BlockRule("aligned_table", aligned.aligned_table, interrupts_paragraph=True),
    BlockRule("one_cell_per_line", one_cell_per_line.one_cell_per_line, interrupts_paragraph=True),
    BlockRule("cell_lines", cell_lines.cell_lines),
    BlockRule("inline_record", records.inline_record, interrupts_paragraph=True),
    BlockRule("field_record", records.field_record, interrupts_paragraph=True),
    # Headings.
    BlockRule("atx_heading", atx_heading.atx_heading, interrupts_paragraph=True, first="#"),
    BlockRule(
        "asciidoc_heading", asciidoc_heading.asciidoc_heading, interrupts_paragraph=True, first="="
    ),
    BlockRule(
        "underline_heading",
        underline_heading.underline_heading,
        interrupts_paragraph=True,
        starts=underline_heading.starts,
    ),
    # Code.
    BlockRule("fence", fence.fence, interrupts_paragraph=True, starts=fence.starts, first="`~"),
    BlockRule(
        "delimited_code",
        delimited_code.delimited_code,
        interrupts_paragraph=True,
        starts=delimited_code.starts,
        first="-.",
    ),
    BlockRule("rst_code", rst_code.rst_code, first="."),
    BlockRule("rst_literal", rst_literal.rst_literal),
    # Containers: their body is read again by these rules.
    BlockRule(
        "delimited_container",
        delimited_container.delimited_container,
        interrupts_paragraph=True,
        starts=delimited_container.starts,
        first="=*_+-",
    ),
    BlockRule("rst_directive", rst_directive.rst_directive, first="."),
    BlockRule(
        "mkdocs_admonition",
        mkdocs_admonition.mkdocs_admonition,
        interrupts_paragraph=True,
        starts=mkdocs_admonition.starts,
        first="!?",
    ),
    BlockRule(
        "fenced_admonition",
        fenced_admonition.fenced_admonition,
        interrupts_paragraph=True,
        starts=fenced_admonition.starts,
        first=":",
    ),
    BlockRule(
        "blockquote",
        blockquote.blockquote,
        interrupts_paragraph=True,
        starts=blockquote.starts,
        first=">",
    ),
    BlockRule("admonition_paragraph", admonition_paragraph.admonition_paragraph, first="A"),
    # Rule lines (after the headings and delimiters that are runs of marks too).
    BlockRule(
        "thematic_break",
        thematic_break.thematic_break,
        interrupts_paragraph=True,
        first="-*_=~^+#.:'\"`<>",
    ),
    BlockRule(
        "caption", caption.caption, interrupts_paragraph=True, starts=caption.starts, first=".TFA"
    ),
    # Lists and definitions.
    BlockRule("list_item", list_item.list_item, interrupts_paragraph=True, starts=list_item.starts),
    BlockRule(
        "colon_definition",
        colon_definition.colon_definition,
        interrupts_paragraph=True,
        starts=colon_definition.starts,
    ),
    BlockRule(
        "asciidoc_definition",
        asciidoc_definition.asciidoc_definition,
        interrupts_paragraph=True,
        starts=asciidoc_definition.starts,
    ),
    BlockRule("rst_definition", rst_definition.rst_definition),
    # Indented blocks, once lists have taken their continuation lines.
    BlockRule("indented_code", indented_code.indented_code),
    BlockRule("rst_block_quote", rst_block_quote.rst_block_quote),
    # Paragraphs.
    # Lines that each state a port (tables a PDF or a saved web page left as text).
    BlockRule(
        "port_lines", port_lines.port_lines, interrupts_paragraph=True, starts=port_lines.starts
    ),
    BlockRule("styled_paragraph", styled_paragraph.styled_paragraph),
    BlockRule("paragraph", paragraph.paragraph),
]


def structure_lines(
    lines: Sequence[TextLine], markup: Markup | None = None, rules: Sequence[BlockRule] = RULES
) -> tuple[StructuredBlock, ...]:
    """The blocks a run of text lines holds."""
    lines = tuple(lines)
    return read_blocks(LineState(lines, rules, markup or detect_markup(lines)))


def structure(document: Document) -> tuple[StructuredBlock, ...]:
    """Every block of the document, structured, in reading order."""
    markup = detect_markup(block for block in document.blocks if isinstance(block, TextLine))
    out: list[StructuredBlock] = []
    run: list[TextLine] = []
    for block in document.blocks:
        if isinstance(block, TextLine):
            # A no-break space (web pages copied as text) separates words like a space does.
            run.append(
                TextLine(block.line, block.text.replace("\u00a0", " "))
                if "\u00a0" in block.text
                else block
            )
            continue
        if run:
            out.extend(structure_lines(run, markup))
            run = []
        out.append(block)
    if run:
        out.extend(structure_lines(run, markup))
    return promote_titles(out)
