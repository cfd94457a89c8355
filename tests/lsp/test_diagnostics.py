"""`intact lsp` driven by pytest-lsp with the capabilities of real editors (VS Code, Neovim).

Run by tests/run.sh; INTACT_BIN names the binary under test.
"""

import os
import pathlib
import shutil
import tempfile

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

INTACT = os.environ.get("INTACT_BIN")
if not INTACT:
    raise RuntimeError("set INTACT_BIN to the intact binary; `bash tests/run.sh` does this")

PROJECT = {
    "intact.kdl": 'project "p" {\n    display-name "P"\n}\n',
    "connection.kdl": 'connection "api" {\n    base-url "https://api.example.com"\n}\n',
    "flows/helpers.kdl": 'flow "lookup" {\n    request "r" "GET" "/users"\n    return "${steps.r.body}"\n}\n',
    "flows/main.kdl": 'flow "main" {\n    call "found" "lookup"\n    return "${steps.found}"\n}\n',
}


@pytest.fixture
def project():
    root = pathlib.Path(tempfile.mkdtemp()).resolve()
    for rel, text in PROJECT.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    yield root
    shutil.rmtree(root)


@pytest_lsp.fixture(
    params=["visual-studio-code", "neovim"],
    config=ClientServerConfig(server_command=[INTACT, "lsp"]),
)
async def client(request, lsp_client: LanguageClient):
    params = types.InitializeParams(capabilities=client_capabilities(request.param))
    result = await lsp_client.initialize_session(params)
    lsp_client.init_result = result
    yield
    await lsp_client.shutdown_session()


async def wait_for_diagnostics(client: LanguageClient, uri: str, predicate):
    for _ in range(50):
        if uri in client.diagnostics and predicate(client.diagnostics[uri]):
            return client.diagnostics[uri]
        await client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    raise AssertionError(f"no matching diagnostics for {uri}: {client.diagnostics.get(uri)}")


async def test_publishes_then_clears_diagnostics(client: LanguageClient, project: pathlib.Path):
    uri = (project / "flows" / "extra.kdl").as_uri()
    text = 'flow "extra" {\n    log "é👍" bogus=1\n    return {}\n}\n'
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=uri, language_id="kdl", version=1, text=text)
        )
    )
    diags = await wait_for_diagnostics(client, uri, lambda d: len(d) > 0)
    assert diags[0].code == "schema::unknown-property"
    assert diags[0].source == "intact"
    # `é` is one UTF-16 unit and `👍` two; clients that offer UTF-8 get bytes.
    encoding = client.init_result.capabilities.position_encoding
    expected = 17 if encoding == types.PositionEncodingKind.Utf8 else 14
    assert diags[0].range.start == types.Position(line=1, character=expected)

    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text.replace(" bogus=1", ""))],
        )
    )
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)


async def test_cross_file_diagnostics(client: LanguageClient, project: pathlib.Path):
    helpers = (project / "flows" / "helpers.kdl").as_uri()
    main = (project / "flows" / "main.kdl").as_uri()
    text = PROJECT["flows/helpers.kdl"]
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(uri=helpers, language_id="kdl", version=1, text=text)
        )
    )
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=helpers, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text.replace('"lookup"', '"find"'))],
        )
    )
    diags = await wait_for_diagnostics(client, main, lambda d: any(x.code == "name::unresolved" for x in d))
    assert "lookup" in diags[0].message
    assert diags[0].related_information is None or isinstance(diags[0].related_information, list)


async def test_formatting(client: LanguageClient, project: pathlib.Path):
    uri = (project / "flows" / "messy.kdl").as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id="kdl", version=1, text='flow   "messy"{\nreturn {} // done\n}'
            )
        )
    )
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            options=types.FormattingOptions(tab_size=4, insert_spaces=True),
        )
    )
    assert edits[0].new_text == 'flow "messy" {\n    return {} // done\n}\n'
