"""Every editor feature through `intact lsp`, with the capabilities of VS Code and Neovim.

Run by tests/run.sh; INTACT_BIN names the binary under test. The fixtures come from
test_diagnostics.py.
"""

import pathlib

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
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


async def test_rename_reaches_every_occurrence(client: LanguageClient, project: pathlib.Path):
    """Rename means every occurrence (issue 26.1, 24.3): a flow input's `call` arguments in
    another file, a param's `params` in a test, a tenant variable's and a connection's keys in
    env/*.toml."""
    files = {
        "flows/lookup.kdl": 'flow "find" {\n    input "user_name" type="string"\n    return "${input.user_name}"\n}\n',
        "flows/caller.kdl": 'flow "caller" {\n    call "found" "find" {\n        user_name "jane"\n    }\n    return "${steps.found}"\n}\n',
        "connections/acme.kdl": 'connection "acme" {\n    base-url "https://${app.tenant}.acme.example/${auth.region}"\n    param "region" {\n        label "Region"\n    }\n}\n',
        "variables.kdl": 'variable "tenant" {\n    label "Tenant"\n}\n',
        "tests/acme.kdl": 'test "t" flow="caller" {\n    params "acme" region="eu"\n}\n',
        "env/dev.toml": '[app]\ntenant = "acme-dev"\n\n[connection.acme]\nregion = "eu"\n',
    }
    for rel, text in files.items():
        path = project / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)

    async def rename(rel: str, line: int, character: int, new_name: str) -> dict:
        uri = (project / rel).as_uri()
        open_doc(client, uri, (project / rel).read_text())
        edit = await client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=line, character=character),
                new_name=new_name,
            )
        )
        changes = {}
        for uri, edits in (edit.changes or {}).items():
            rel_path = pathlib.Path(uri.removeprefix("file://")).relative_to(project).as_posix()
            changes[rel_path] = sorted(e.new_text for e in edits)
        return changes

    # The flow input, from its definition: the `call` argument in the other file too.
    changes = await rename("flows/lookup.kdl", 1, 12, "login")
    assert changes["flows/caller.kdl"] == ["login"], changes
    assert changes["flows/lookup.kdl"] == ["\"login\"", "login"], changes
    # The param: the test's `params` and the environment's key too.
    changes = await rename("connections/acme.kdl", 2, 12, "area")
    assert changes["tests/acme.kdl"] == ["area"], changes
    assert changes["env/dev.toml"] == ["area"], changes
    # The tenant variable and the connection: their env/*.toml keys.
    changes = await rename("variables.kdl", 0, 11, "subdomain")
    assert changes["env/dev.toml"] == ["subdomain"], changes
    changes = await rename("connections/acme.kdl", 0, 13, "acme_api")
    assert changes["env/dev.toml"] == ["acme_api"], changes
    assert changes["tests/acme.kdl"] == ["\"acme_api\""], changes


async def test_a_refused_rename_says_why_as_request_failed(client: LanguageClient, project: pathlib.Path):
    """A rename that cannot be done is a failed request (LSP 3.17 RequestFailed, -32803), not
    invalid parameters (-32602), which Neovim reported as if the editor had sent a bad request
    (issue 26); the message says what to do."""
    uri = (project / "flows" / "refused.kdl").as_uri()
    text = 'flow "refused" {\n    input "user_name" type="string"\n    return "${input.user_name}"\n}\n'
    (project / "flows" / "refused.kdl").write_text(text)
    open_doc(client, uri, text)
    with pytest.raises(JsonRpcException) as refused:
        await client.text_document_rename_async(
            types.RenameParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=1, character=12),
                new_name="User Name",
            )
        )
    assert refused.value.code == -32803, refused.value
    assert "`User Name` is not a valid name" in refused.value.message
    assert "`user_name`" in refused.value.message


async def test_an_action_skeleton_inserts_whole(client: LanguageClient, project: pathlib.Path):
    """An action skeleton is a snippet with tab stops for a client that expands snippets, and one
    line otherwise: clients built on Vim's completion insert only up to a line break, which left
    a bare `action` (issue 26.4)."""
    uri = (project / "actions.kdl").as_uri()
    open_doc(client, uri, "\n")
    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=0, character=0),
        )
    )
    items = items.items if hasattr(items, "items") else items
    skeleton = next(i for i in items if i.label.startswith("action for "))
    text = skeleton.text_edit.new_text
    if skeleton.insert_text_format == types.InsertTextFormat.Snippet:
        assert "\n" in text and "${1:…}" in text, text
    else:
        assert "\n" not in text and text.startswith("action "), text


async def test_environment_files_complete_and_hover_their_own_keys(
    client: LanguageClient, project: pathlib.Path
):
    """env/*.toml is TOML: completion offers the keys a section takes, never KDL nodes, and hover
    says what a key gives a value to (issue 26.7)."""
    (project / "variables.kdl").write_text('variable "tenant" {\n    label "Your tenant"\n}\n')
    env = project / "env" / "dev.toml"
    env.parent.mkdir(parents=True, exist_ok=True)
    text = "[app]\n\n"
    env.write_text(text)
    uri = env.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="toml", version=1, text=text)
        )
    )
    items = await client.text_document_completion_async(
        types.CompletionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=0),
        )
    )
    labels = [i.label for i in (items.items if hasattr(items, "items") else items)]
    assert labels == ["tenant"], labels
    text = '[app]\ntenant = "t1"\n'
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )
    hover = await client.text_document_hover_async(
        types.HoverParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            position=types.Position(line=1, character=2),
        )
    )
    assert hover is not None and "Your tenant" in hover.contents.value, hover
