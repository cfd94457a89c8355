"""Every editor feature through `intact lsp`, with the capabilities of VS Code and Neovim.

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


async def test_quick_fix_and_fix_all(client: LanguageClient, project: pathlib.Path):
    uri = (project / "flows" / "main.kdl").as_uri()
    open_doc(client, uri, 'flow "Main" {\n    call "found" "lookpu"\n    return "${steps.found}"\n}\n')
    doc = types.TextDocumentIdentifier(uri=uri)
    here = types.Range(start=types.Position(line=1, character=20), end=types.Position(line=1, character=20))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(text_document=doc, range=here, context=types.CodeActionContext(diagnostics=[]))
    )
    assert actions[0].title == "Replace with `lookup`"
    assert actions[0].edit.changes[uri][0].new_text == '"lookup"'
    fix_all = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=doc,
            range=here,
            context=types.CodeActionContext(diagnostics=[], only=[types.CodeActionKind.SourceFixAll]),
        )
    )
    texts = sorted(e.new_text for e in fix_all[0].edit.changes[uri])
    assert texts == ['"lookup"', '"main"']


async def test_signature_tokens_hints_folding_selection(client: LanguageClient, project: pathlib.Path):
    uri = (project / "flows" / "extra.kdl").as_uri()
    text = (
        'flow "extra" {\n'
        '    request "r" "GET" "/users"\n'
        "    return \"${replace(steps.r.body, 'a', )}\"\n"
        "}\n"
    )
    open_doc(client, uri, text)
    doc = types.TextDocumentIdentifier(uri=uri)
    sig = await client.text_document_signature_help_async(
        types.SignatureHelpParams(
            text_document=doc,
            position=types.Position(line=2, character=len("    return \"${replace(steps.r.body, 'a', ")),
        )
    )
    assert sig.signatures[0].label == "replace(s, old, new) -> string"
    assert sig.active_parameter == 2
    tokens = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc))
    assert list(tokens.data[:5]) == [0, 0, 4, 0, 0]  # `flow`, a keyword
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=doc,
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=4, character=0)),
        )
    )
    assert hints[0].label == ": a response object"
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc))
    assert (folds[0].start_line, folds[0].end_line) == (0, 3)
    selection = await client.text_document_selection_range_async(
        types.SelectionRangeParams(text_document=doc, positions=[types.Position(line=1, character=13)])
    )
    assert selection[0].range.start == types.Position(line=1, character=12)
    assert selection[0].parent is not None
