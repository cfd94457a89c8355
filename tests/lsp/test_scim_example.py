"""Every editor feature on the bundled SCIM example, over stdio, as VS Code and Neovim ask.

The document under test, actions/users.kdl, is opened with a syntax error above the places asked
about and non-ASCII text before the cursor on the same line, so positions must count UTF-16 units
(or bytes, for a client that offers UTF-8) and the features must survive a broken file.
"""

import pathlib
import shutil
import tempfile

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from test_diagnostics import client  # noqa: F401  (pytest fixture)

EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "examples" / "scim-provisioning"

# Above everything: a half-typed action whose string is never closed on its line.
BROKEN = 'action "half typed" contract="get-user {\n    request "x" "GET" "/x"\n}\n'
# In `get_user`: a log line with non-ASCII text before a half-typed `${input.us`.
HALF_TYPED = '    log "Grüße 👍 ${input.us"\n'


@pytest.fixture
def scim():
    root = pathlib.Path(tempfile.mkdtemp()).resolve() / "scim"
    shutil.copytree(EXAMPLE, root)
    yield root
    shutil.rmtree(root.parent)


class Doc:
    """The edited users.kdl and positions in it, in the encoding the server negotiated."""

    def __init__(self, client: LanguageClient, root: pathlib.Path):
        original = (root / "actions" / "users.kdl").read_text()
        at = original.index('    request "get" "GET" "/Users/${input.userId}"')
        self.text = BROKEN + original[:at] + HALF_TYPED + original[at:]
        self.uri = (root / "actions" / "users.kdl").as_uri()
        self.id = types.TextDocumentIdentifier(uri=self.uri)
        self.utf8 = client.init_result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(uri=self.uri, language_id="kdl", version=1, text=self.text)
            )
        )

    def at(self, marker: str, plus: int = 0, nth: int = 0) -> types.Position:
        """The position `plus` characters after the start of the nth `marker`."""
        offset = -1
        for _ in range(nth + 1):
            offset = self.text.index(marker, offset + 1)
        offset += plus
        line = self.text.count("\n", 0, offset)
        before = self.text[self.text.rfind("\n", 0, offset) + 1 : offset]
        unit = len(before.encode("utf-8")) if self.utf8 else len(before.encode("utf-16-le")) // 2
        return types.Position(line=line, character=unit)

    def after(self, marker: str, nth: int = 0) -> types.Position:
        return self.at(marker, len(marker), nth)


def labels(items):
    return [i.label for i in (items.items if hasattr(items, "items") else items)]


async def test_completion_and_hover_on_the_scim_example(client: LanguageClient, scim: pathlib.Path):
    doc = Doc(client, scim)
    # `${input.us|` after `Grüße 👍`: the get-user contract's input.
    items = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc.id, position=doc.after("${input.us"))
    )
    assert "userId" in labels(items)
    # `${steps.` in create_user: the steps that ran before.
    items = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc.id, position=doc.after("user \"${scim_user(steps.", nth=2))
    )
    assert labels(items) == ["create"]
    # A contract id.
    items = await client.text_document_completion_async(
        types.CompletionParams(text_document=doc.id, position=doc.after('contract="', nth=1))
    )
    assert "create-user" in labels(items) and "list-users" in labels(items)
    # Hover on a contract input path and on a node.
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc.id, position=doc.at("input.userId}", 7))
    )
    assert hover is not None and "userId" in hover.contents.value
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=doc.id, position=doc.at('request "get"', 2))
    )
    assert hover is not None and "request" in hover.contents.value
    # Signature help inside `default(`.
    sig = await client.text_document_signature_help_async(
        types.SignatureHelpParams(text_document=doc.id, position=doc.after("${default(input.pagination.cursor, "))
    )
    assert sig.signatures[0].label.startswith("default(")
    assert sig.active_parameter == 1


async def test_navigation_and_rename_on_the_scim_example(client: LanguageClient, scim: pathlib.Path):
    doc = Doc(client, scim)
    mappings = (scim / "mappings.kdl").as_uri()
    # `scim_user(` → the mapping in mappings.kdl.
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc.id, position=doc.at("scim_user(steps.get", 3))
    )
    location = found[0] if isinstance(found, list) else found
    assert location.uri == mappings
    assert location.range.start.line == 6
    # Its references span the action files.
    refs = await client.text_document_references_async(
        types.ReferenceParams(
            text_document=doc.id,
            position=doc.at("scim_user(steps.get", 3),
            context=types.ReferenceContext(include_declaration=True),
        )
    )
    files = {r.uri for r in refs}
    assert mappings in files and doc.uri in files and len(refs) > 5
    # `call "page" "page_window"` → the flow in flows/pagination.kdl.
    found = await client.text_document_definition_async(
        types.DefinitionParams(text_document=doc.id, position=doc.at('"page_window"', 3))
    )
    location = found[0] if isinstance(found, list) else found
    assert location.uri == (scim / "flows" / "pagination.kdl").as_uri()
    # Highlights of a step: its name and each `steps.list`.
    highlights = await client.text_document_document_highlight_async(
        types.DocumentHighlightParams(text_document=doc.id, position=doc.at('request "list"', 10))
    )
    assert len(highlights) == 3
    # Renaming the step `list` edits its definition and both uses.
    edit = await client.text_document_rename_async(
        types.RenameParams(text_document=doc.id, position=doc.at('request "list"', 10), new_name="listing")
    )
    assert len(edit.changes[doc.uri]) == 3
    # The outline: the broken action is there, and the real ones with their steps.
    symbols = await client.text_document_document_symbol_async(types.DocumentSymbolParams(text_document=doc.id))
    names = [s.name for s in symbols]
    assert "list_users" in names and "create_user" in names
    list_users = symbols[names.index("list_users")]
    assert [c.name for c in list_users.children][:2] == ["page", "list"]
    # Workspace symbols find flows by name.
    found = await client.workspace_symbol_async(types.WorkspaceSymbolParams(query="next_cursor"))
    assert any(s.name == "next_cursor" for s in found)


async def test_fixes_and_structure_on_the_scim_example(client: LanguageClient, scim: pathlib.Path):
    doc = Doc(client, scim)
    # The broken action's name is not snake_case: its fix renames it.
    here = types.Range(start=doc.at('"half typed"', 3), end=doc.at('"half typed"', 3))
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(text_document=doc.id, range=here, context=types.CodeActionContext(diagnostics=[]))
    )
    assert any(a.edit.changes[doc.uri][0].new_text == '"half_typed"' for a in actions), actions
    tokens = await client.text_document_semantic_tokens_full_async(types.SemanticTokensParams(text_document=doc.id))
    assert len(tokens.data) > 100
    hints = await client.text_document_inlay_hint_async(
        types.InlayHintParams(
            text_document=doc.id,
            range=types.Range(start=types.Position(line=0, character=0), end=types.Position(line=200, character=0)),
        )
    )
    assert any(h.label == ": a response object" for h in hints)
    folds = await client.text_document_folding_range_async(types.FoldingRangeParams(text_document=doc.id))
    assert len(folds) > 10
    selection = await client.text_document_selection_range_async(
        types.SelectionRangeParams(text_document=doc.id, positions=[doc.at('"page_window"', 3)])
    )
    assert selection[0].parent is not None


async def test_run_test_lenses_run_exactly_their_test(client: LanguageClient, scim: pathlib.Path):
    """Each test has a "Run test" lens over its whole node; the command line an editor builds from
    its argument (`intact test --filter NAME --exact PROJECT`) runs that test and no other."""
    import os
    import subprocess

    path = scim / "tests" / "pagination.kdl"
    text = path.read_text()
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="kdl", version=1, text=text)
        )
    )
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    names = [lens.command.arguments[0]["name"] for lens in lenses]
    assert names == [
        "page_window_first_page_defaults",
        "page_window_reads_cursor",
        "next_cursor_in_the_middle",
        "next_cursor_on_the_last_page",
        "next_cursor_on_an_empty_page",
    ]
    lens = lenses[2]
    assert lens.command.command == "intact.runTest"
    assert lens.command.arguments[0]["project"] == str(scim)
    # The lens covers the test's node: the line of its name through its closing brace.
    lines = text.splitlines()
    assert lines[lens.range.start.line].startswith('test "next_cursor_in_the_middle"')
    assert lines[lens.range.end.line].startswith("}")

    arg = lens.command.arguments[0]
    run = subprocess.run(
        [os.environ["INTACT_BIN"], "test", "--filter", arg["name"], "--exact", arg["project"]],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    ran = [line for line in run.stdout.splitlines() if line.startswith(("ok ", "FAILED"))]
    assert ran == [line for line in ran if "next_cursor_in_the_middle" in line] and len(ran) == 1, run.stdout
