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


async def test_definition_rename_and_outline(client: LanguageClient, project: pathlib.Path):
    main = project / "flows" / "main.kdl"
    uri = main.as_uri()
    open_doc(client, uri, main.read_text())
    position = types.Position(line=1, character=20)  # in `"lookup"` of `call "found" "lookup"`
    doc = types.TextDocumentIdentifier(uri=uri)
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc, position=position)
    )
    location = found[0] if isinstance(found, list) else found
    assert location.uri == (project / "flows" / "helpers.kdl").as_uri()
    assert location.range.start == types.Position(line=0, character=5)

    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc, position=position, new_name="find_user")
    )
    assert set(edit.changes) == {uri, (project / "flows" / "helpers.kdl").as_uri()}

    symbols = await client.text_document_document_symbol_async(
        types.DocumentSymbolParams(text_document=doc)
    )
    assert symbols[0].name == "main"
    assert symbols[0].children[0].name == "found"
