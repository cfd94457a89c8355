"""Completion and hover through `intact lsp`, with the capabilities of VS Code and Neovim.

Run by tests/run.sh; INTACT_BIN names the binary under test. The fixtures come from
test_diagnostics.py.
"""

import pathlib

from lsprotocol import types
from pytest_lsp import LanguageClient

from test_diagnostics import client, project  # noqa: F401  (pytest fixtures)


def open_doc(client: LanguageClient, uri: str, text: str):
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="kdl", version=1, text=text)
        )
    )


async def test_completes_names_from_other_files(client: LanguageClient, project: pathlib.Path):
    uri = (project / "flows" / "extra.kdl").as_uri()
    text = 'flow "extra" connection="" {\n    call "x" ""\n}\n'
    open_doc(client, uri, text)
    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=len('flow "extra" connection="')),
        )
    )
    labels = [i.label for i in (items.items if hasattr(items, "items") else items)]
    assert labels == ["api"]
    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=len('    call "x" "')),
        )
    )
    labels = [i.label for i in (items.items if hasattr(items, "items") else items)]
    assert "lookup" in labels and "main" in labels


async def test_hover_shows_the_catalogue(client: LanguageClient, project: pathlib.Path):
    uri = (project / "flows" / "extra.kdl").as_uri()
    # Non-ASCII before the node: positions count UTF-16 units (or bytes when negotiated).
    open_doc(client, uri, '// é👍\nconnection "x" {\n    base-url "https://x.example.com"\n}\n')
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=3),
        )
    )
    assert hover is not None and "**`connection`**" in hover.contents.value
    assert hover.range.start == types.Position(line=1, character=0)
