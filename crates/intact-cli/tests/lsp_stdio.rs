//! The language server end to end: `intact lsp` as a child process, spoken to over stdio with
//! JSON-RPC framing, as an editor does.

mod support;

use serde_json::json;
use support::lsp_client::{Client, uri};

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("intact.kdl"),
        "project \"p\" {\n    display-name \"P\"\n}\n",
    )
    .unwrap();
    std::fs::create_dir(root.join("flows")).unwrap();
    std::fs::write(
        root.join("connection.kdl"),
        "connection \"api\" {\n    base-url \"https://api.example.com\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("flows/helpers.kdl"),
        "flow \"lookup\" {\n    request \"r\" \"GET\" \"/users\"\n    return \"${steps.r.body}\"\n}\n",
    )
    .unwrap();
    std::fs::write(
        root.join("flows/main.kdl"),
        "flow \"main\" {\n    call \"found\" \"lookup\"\n    return \"${steps.found}\"\n}\n",
    )
    .unwrap();
    dir
}

#[test]
fn publishes_and_clears_diagnostics_with_utf16_positions() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    let init = c.initialize(&root, &["utf-16"]);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-16");
    let file = root.join("flows/extra.kdl");
    let furi = uri(&file);
    // The emoji takes two UTF-16 code units: the error's column must count them so.
    let text = "flow \"extra\" {\n    log \"👍\" bogus=1\n    return {}\n}\n";
    c.open(&furi, text);
    let msg = c.diagnostics(&furi, |d| !d.is_empty());
    assert_eq!(msg["params"]["version"], 1);
    let d = &msg["params"]["diagnostics"][0];
    assert_eq!(d["code"], "schema::unknown-property");
    assert_eq!(d["source"], "intact");
    assert_eq!(d["range"]["start"], json!({"line": 1, "character": 13}));
    assert_eq!(d["range"]["end"], json!({"line": 1, "character": 18}));
    assert!(d["message"].as_str().unwrap().contains("bogus"));
    // An incremental edit that deletes ` bogus=1` clears the file's diagnostics.
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": furi, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 1, "character": 12}, "end": {"line": 1, "character": 20}}, "text": ""}],
        }),
    );
    let cleared = c.diagnostics(&furi, |d| d.is_empty());
    assert_eq!(cleared["params"]["version"], 2);
    c.shutdown();
}

#[test]
fn negotiates_utf8_positions() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    let init = c.initialize(&root, &["utf-8", "utf-16"]);
    assert_eq!(init["capabilities"]["positionEncoding"], "utf-8");
    let furi = uri(&root.join("flows/extra.kdl"));
    let text = "flow \"extra\" {\n    log \"👍\" bogus=1\n    return {}\n}\n";
    c.open(&furi, text);
    let msg = c.diagnostics(&furi, |d| !d.is_empty());
    // In UTF-8 the emoji is four bytes.
    assert_eq!(
        msg["params"]["diagnostics"][0]["range"]["start"],
        json!({"line": 1, "character": 15})
    );
    c.shutdown();
}

#[test]
fn renaming_a_flow_flags_its_callers_in_other_files() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    c.initialize(&root, &["utf-16"]);
    let helpers = uri(&root.join("flows/helpers.kdl"));
    let main = uri(&root.join("flows/main.kdl"));
    let text = std::fs::read_to_string(root.join("flows/helpers.kdl")).unwrap();
    c.open(&helpers, &text);
    let renamed = text.replace("\"lookup\"", "\"find\"");
    c.notify("textDocument/didChange", json!({"textDocument": {"uri": helpers, "version": 2}, "contentChanges": [{"text": renamed}]}));
    let msg = c.diagnostics(&main, |d| d.iter().any(|x| x["code"] == "name::unresolved"));
    let d = &msg["params"]["diagnostics"][0];
    assert!(d["message"].as_str().unwrap().contains("lookup"), "{d}");
    assert_eq!(d["range"]["start"]["line"], 1);
    // Renaming it back clears the other file too.
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": helpers, "version": 3}, "contentChanges": [{"text": text}]}),
    );
    c.diagnostics(&main, |d| d.is_empty());
    c.shutdown();
}

#[test]
fn formats_documents_and_survives_bad_input() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    c.initialize(&root, &["utf-16"]);
    let furi = uri(&root.join("flows/messy.kdl"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": furi, "languageId": "kdl", "version": 1, "text": "flow   \"messy\"{\nreturn {} // done\n}"}}),
    );
    let edits = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": furi}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert_eq!(
        edits[0]["newText"],
        "flow \"messy\" {\n    return {} // done\n}\n"
    );
    // Garbage, huge nesting and positions past the end of the text must not stop the server.
    let garbage = "\u{0}\u{7f}{{{{\"\\u{110000}".to_string() + &"a {".repeat(5000);
    c.notify(
        "textDocument/didChange",
        json!({"textDocument": {"uri": furi, "version": 2}, "contentChanges": [{"text": garbage}]}),
    );
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": furi, "version": 3},
            "contentChanges": [{"range": {"start": {"line": 999, "character": 999}, "end": {"line": 1000, "character": 0}}, "text": "x"}],
        }),
    );
    c.diagnostics(&furi, |d| d.iter().any(|x| x["code"] == "syntax"));
    let after = c.request(
        "textDocument/formatting",
        json!({"textDocument": {"uri": furi}, "options": {"tabSize": 4, "insertSpaces": true}}),
    );
    assert!(
        after.is_null(),
        "a file with syntax errors is not formatted"
    );
    // ...and the user is told, rather than left with a format command that does nothing.
    let shown = c.wait(|m| m["method"] == "window/showMessage");
    let text = shown["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("messy.kdl was not formatted") && text.contains("syntax error"),
        "{text}"
    );
    c.shutdown();
}

/// Malformed messages from a broken or hostile client are answered with a JSON-RPC error and the
/// server goes on serving: invalid JSON, an array, no `jsonrpc`, no method, non-UTF-8, a negative
/// and a lying `Content-Length`, nesting deeper than the server reads, a response with a broken
/// error, and an id that is neither an integer nor a string; headers other than `Content-Length`
/// do not stop it either.
#[test]
fn malformed_messages_are_answered_and_the_server_keeps_serving() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    let frame = |body: &[u8]| {
        let mut v = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
        v.extend_from_slice(body);
        v
    };
    let bad: Vec<(Vec<u8>, i64)> = vec![
        (frame(b"{bad}"), -32700),
        (frame(b"[1, 2]"), -32600),
        (frame(br#"{"id": 41, "method": "initialize"}"#), -32600),
        (frame(br#"{"jsonrpc": "2.0", "id": 42}"#), -32600),
        (frame(b"{\"jsonrpc\":\"2.0\",\"method\":\"x\xff\"}"), -32700),
        (b"Content-Length: -5\r\n\r\n".to_vec(), -32700),
        (
            frame(
                format!(
                    r#"{{"jsonrpc":"2.0","method":"x","params":{}}}"#,
                    "[".repeat(200) + &"]".repeat(200)
                )
                .as_bytes(),
            ),
            -32600,
        ),
        (
            frame(br#"{"jsonrpc":"2.0","id":3,"method":5,"error":"x"}"#),
            -32600,
        ),
    ];
    for (bytes, code) in &bad {
        c.send_raw(bytes);
        let answer = c.wait(|m| m["error"]["code"] == *code);
        assert_eq!(answer["jsonrpc"], "2.0", "{answer}");
    }
    // A length that lies swallows the start of what follows: it is found out when the next
    // message arrives, and the server reads on from that message's header.
    c.send_raw(b"Content-Length: 10\r\n\r\n{}");
    c.initialize(&root, &["utf-16"]);
    c.wait(|m| m["error"]["code"] == -32700);
    let main = root.join("flows/main.kdl");
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": uri(&main), "languageId": "kdl", "version": 1,
            "text": "flow \"main\" {\n    call \"found\" \"lookpu\"\n    return \"${steps.found}\"\n}\n"}}),
    );
    let published = c.diagnostics(&uri(&main), |d| !d.is_empty());
    assert!(published.to_string().contains("lookpu"), "{published}");
    // An id the server cannot read is answered with a null id, and the next request is answered.
    let hover =
        json!({"textDocument": {"uri": uri(&main)}, "position": {"line": 1, "character": 6}});
    for id in [
        "{}",
        r#"{"a":1}"#,
        "[1]",
        "true",
        "1.5",
        "1.0",
        "9223372036854775808",
    ] {
        c.send_raw(&frame(
            format!(
                r#"{{"jsonrpc":"2.0","id":{id},"method":"textDocument/hover","params":{hover}}}"#
            )
            .as_bytes(),
        ));
        let answer = c.wait(|m| m["error"]["code"] == -32600);
        assert!(answer["id"].is_null(), "{id}: {answer}");
        assert!(
            answer["error"]["data"].as_str().unwrap().contains(id),
            "{answer}"
        );
        let after = c.request("textDocument/hover", hover.clone());
        assert!(after.to_string().contains("call"), "{id}: {after}");
    }
    // Header names in any case, a `Content-Type` and headers of other names.
    let body =
        json!({"jsonrpc": "2.0", "id": 7001, "method": "textDocument/hover", "params": hover})
            .to_string();
    for headers in [
        "content-length: {n}\r\n\r\n",
        "Content-Length: {n}\r\nContent-Type: application/vscode-jsonrpc; charset=UTF-8\r\n\r\n",
        "Content-Type: application/vscode-jsonrpc\r\nContent-Length: {n}\r\nX-Trace: 1\r\n\r\n",
    ] {
        c.send_raw((headers.replace("{n}", &body.len().to_string()) + &body).as_bytes());
        let answer = c.wait(|m| m["id"] == 7001);
        assert!(
            answer["result"].to_string().contains("call"),
            "{headers:?}: {answer}"
        );
    }
    c.shutdown();
}

/// An edit whose range lies past the end of the document is kept (at the end) rather than dropped,
/// and the user is warned that the editor's text and the server's may differ.
#[test]
fn an_edit_outside_the_document_is_kept_and_reported() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    c.initialize(&root, &["utf-16"]);
    let furi = uri(&root.join("flows/extra.kdl"));
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": furi, "languageId": "kdl", "version": 1,
            "text": "flow \"extra\" {\n    return {}\n}\n"}}),
    );
    c.diagnostics(&furi, |d| d.is_empty());
    c.notify(
        "textDocument/didChange",
        json!({
            "textDocument": {"uri": furi, "version": 2},
            "contentChanges": [{"range": {"start": {"line": 99, "character": 0}, "end": {"line": 99, "character": 0}},
                "text": "flow \"second\" {\n    log \"hi\" bogus=1\n    return {}\n}\n"}],
        }),
    );
    let warning = c.wait(|m| m["method"] == "window/logMessage");
    assert_eq!(warning["params"]["type"], 2, "{warning}");
    let text = warning["params"]["message"].as_str().unwrap();
    assert!(
        text.contains("version 2") && text.contains("100:1") && text.contains("reopen"),
        "{text}"
    );
    let published = c.diagnostics(&furi, |d| !d.is_empty());
    assert_eq!(published["params"]["version"], 2);
    let d = &published["params"]["diagnostics"][0];
    assert_eq!(d["code"], "schema::unknown-property", "{d}");
    assert_eq!(d["range"]["start"]["line"], 4, "{d}");
    c.shutdown();
}

/// Completion and hover over stdio: names from other files of the project, the contract ids, the
/// catalogue's docs; positions in UTF-16 after non-ASCII text; a file with a syntax error.
#[test]
fn completion_and_hover_answer_over_stdio() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    c.initialize(&root, &["utf-16"]);
    let furi = uri(&root.join("flows/extra.kdl"));
    // The emoji is two UTF-16 units; the unclosed string on the last line is a syntax error.
    let text =
        "// 👍 ünï\nflow \"extra\" connection=\"\" {\n    call \"x\" \"\"\n    log \"open\n}\n";
    c.open(&furi, text);
    let at = |line: u32, character: u32| json!({"textDocument": {"uri": furi}, "position": {"line": line, "character": character}});
    let labels = |answer: &serde_json::Value| -> Vec<String> {
        answer
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["label"].as_str().unwrap().to_string())
            .collect()
    };
    // Inside `connection=""`: the project's connection, defined in another file.
    let col = "flow \"extra\" connection=\"".len() as u32;
    let items = c.request("textDocument/completion", at(1, col));
    assert_eq!(labels(&items), vec!["api"], "{items}");
    // Only the text between the quotes is edited: a client that cannot replace text right of
    // the cursor would otherwise write the closing quote twice (issue 26.5).
    let edit = &items[0]["textEdit"];
    assert_eq!(edit["newText"], "api");
    assert_eq!(edit["range"]["start"], json!({"line": 1, "character": col}));
    assert_eq!(edit["range"]["end"], json!({"line": 1, "character": col}));
    // A call's flow: the flows of every file.
    let col = "    call \"x\" \"".len() as u32;
    let items = c.request("textDocument/completion", at(2, col));
    let got = labels(&items);
    assert!(
        got.contains(&"lookup".to_string()) && got.contains(&"main".to_string()),
        "{got:?}"
    );
    // Hover on `flow`, after the emoji line.
    let hover = c.request("textDocument/hover", at(1, 2));
    assert!(
        hover["contents"]["value"]
            .as_str()
            .unwrap()
            .contains("**`flow`**"),
        "{hover}"
    );
    assert_eq!(hover["range"]["start"], json!({"line": 1, "character": 0}));
    // On the first line (a comment), nothing.
    assert!(c.request("textDocument/hover", at(0, 4)).is_null());
    // Inside `${…}`: a step's result, before the expression is closed.
    let main = root.join("flows/main.kdl");
    let muri = uri(&main);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": muri, "languageId": "kdl", "version": 1,
            "text": "flow \"main\" {\n    request \"r\" \"GET\" \"/x\"\n    log \"${steps.r.\n}\n"}}),
    );
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": muri}, "position": {"line": 2, "character": 19}}),
    );
    assert_eq!(labels(&items), vec!["status", "headers", "body"], "{items}");
    c.shutdown();
}

/// Definition, references, highlights, rename and the outline over stdio, across the files of the
/// project and inside `${…}`; a contract id leads to its bundled schemas.
#[test]
fn navigation_and_rename_answer_over_stdio() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut c = Client::start_with(&[("INTACT_CACHE_DIR", cache.path())]);
    c.initialize(&root, &["utf-16"]);
    let main = root.join("flows/main.kdl");
    let muri = uri(&main);
    let text = std::fs::read_to_string(&main).unwrap();
    c.open(&muri, &text);
    let at = |line: u32, character: u32| json!({"textDocument": {"uri": muri}, "position": {"line": line, "character": character}});
    // `call "found" "lookup"`: the flow is defined in flows/helpers.kdl.
    let def = c.request("textDocument/definition", at(1, 20));
    assert_eq!(def["uri"], uri(&root.join("flows/helpers.kdl")), "{def}");
    assert_eq!(def["range"]["start"], json!({"line": 0, "character": 5}));
    // `${steps.found}` → the step; references of the step: its definition and the expression.
    let def = c.request("textDocument/definition", at(2, 20));
    assert_eq!(
        def["range"]["start"],
        json!({"line": 1, "character": 9}),
        "{def}"
    );
    let mut refs = at(2, 20);
    refs["context"] = json!({"includeDeclaration": true});
    let refs = c.request("textDocument/references", refs);
    assert_eq!(refs.as_array().unwrap().len(), 2, "{refs}");
    let highlights = c.request("textDocument/documentHighlight", at(2, 20));
    assert_eq!(highlights.as_array().unwrap().len(), 2, "{highlights}");
    // Renaming the flow from its call edits both files.
    let prepared = c.request("textDocument/prepareRename", at(1, 20));
    assert_eq!(
        prepared["start"],
        json!({"line": 1, "character": 18}),
        "{prepared}"
    );
    let mut params = at(1, 20);
    params["newName"] = json!("find_user");
    let edit = c.request("textDocument/rename", params);
    let changes = edit["changes"].as_object().unwrap();
    assert_eq!(changes.len(), 2, "{edit}");
    assert_eq!(changes[&muri][0]["newText"], "\"find_user\"");
    // An invalid name is refused with the reason.
    let mut params = at(1, 20);
    params["newName"] = json!("Find User");
    let refused = c.request_error("textDocument/rename", params);
    assert!(
        refused["message"]
            .as_str()
            .unwrap()
            .contains("not a valid name"),
        "{refused}"
    );
    // The outline of the file.
    let symbols = c.request(
        "textDocument/documentSymbol",
        json!({"textDocument": {"uri": muri}}),
    );
    assert_eq!(symbols[0]["name"], "main", "{symbols}");
    assert_eq!(symbols[0]["children"][0]["name"], "found");
    // `contract="universal-logout"` → the contract's input and output schemas.
    let action = root.join("actions.kdl");
    let auri = uri(&action);
    c.open(
        &auri,
        "action \"logout\" contract=\"universal-logout\" {\n    return {\n        logoutStatus \"SUCCESS\"\n    }\n}\n",
    );
    // A link planted where a schema goes is replaced, never written through (issue 23.9).
    let precious = cache.path().join("precious.txt");
    std::fs::write(&precious, "keep me").unwrap();
    std::fs::create_dir_all(cache.path().join("contracts")).unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        &precious,
        cache.path().join("contracts/universal-logout.input.json"),
    )
    .unwrap();
    let schemas = c.request(
        "textDocument/definition",
        json!({"textDocument": {"uri": auri}, "position": {"line": 0, "character": 30}}),
    );
    assert_eq!(std::fs::read_to_string(&precious).unwrap(), "keep me");
    // One target, the input schema, where a jump lands at once; the output schema is the type
    // definition (issue 26: two targets made Neovim open a list).
    let input_uri = schemas["uri"]
        .as_str()
        .unwrap_or_else(|| panic!("{schemas}"));
    assert!(
        input_uri.ends_with("contracts/universal-logout.input.json"),
        "{schemas}"
    );
    let output = c.request(
        "textDocument/typeDefinition",
        json!({"textDocument": {"uri": auri}, "position": {"line": 0, "character": 30}}),
    );
    assert!(
        output["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("contracts/universal-logout.output.json")),
        "{output}"
    );
    let input = cache.path().join("contracts/universal-logout.input.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(input).unwrap()).unwrap();
    assert!(schema["properties"].is_object(), "{schema}");
    c.shutdown();
}

/// The checker's fixes as quick fixes, and "fix all" for a file.
#[test]
fn quick_fixes_answer_over_stdio() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    c.initialize(&root, &["utf-16"]);
    let main = root.join("flows/main.kdl");
    let muri = uri(&main);
    c.notify(
        "textDocument/didOpen",
        json!({"textDocument": {"uri": muri, "languageId": "kdl", "version": 1,
            "text": "flow \"Main\" {\n    call \"found\" \"lookpu\"\n    return \"${steps.found}\"\n}\n"}}),
    );
    let range = json!({"start": {"line": 1, "character": 20}, "end": {"line": 1, "character": 20}});
    let actions = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": muri}, "range": range, "context": {"diagnostics": []}}),
    );
    let fix = &actions[0];
    assert_eq!(fix["title"], "Replace with `lookup`", "{actions}");
    assert_eq!(fix["kind"], "quickfix");
    let edit = &fix["edit"]["changes"][muri.as_str()][0];
    assert_eq!(edit["newText"], "\"lookup\"");
    assert_eq!(edit["range"]["start"], json!({"line": 1, "character": 17}));
    // Fix all: the name and the flow both have one fix.
    let all = c.request(
        "textDocument/codeAction",
        json!({"textDocument": {"uri": muri}, "range": range,
            "context": {"diagnostics": [], "only": ["source.fixAll"]}}),
    );
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    let edits = all[0]["edit"]["changes"][muri.as_str()].as_array().unwrap();
    let texts: Vec<&str> = edits
        .iter()
        .map(|e| e["newText"].as_str().unwrap())
        .collect();
    assert!(
        texts.contains(&"\"lookup\"") && texts.contains(&"\"main\""),
        "{texts:?}"
    );
    c.shutdown();
}

/// Signature help, folding, selection ranges and workspace symbols over stdio.
#[test]
fn structure_features_answer_over_stdio() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    c.initialize(&root, &["utf-16"]);
    let furi = uri(&root.join("flows/extra.kdl"));
    let text = "flow \"extra\" {\n    input \"name\" type=\"string\"\n    return \"${replace(input.name, 'a', )}\"\n}\n";
    c.open(&furi, text);
    // Wait for the first analysis, so that workspace symbols see the project.
    c.diagnostics(&furi, |_| true);
    let col = "    return \"${replace(input.name, 'a', ".len() as u32;
    let sig = c.request(
        "textDocument/signatureHelp",
        json!({"textDocument": {"uri": furi}, "position": {"line": 2, "character": col}}),
    );
    assert_eq!(
        sig["signatures"][0]["label"], "replace(s, old, new) -> string",
        "{sig}"
    );
    assert_eq!(sig["activeParameter"], 2);
    let folds = c.request(
        "textDocument/foldingRange",
        json!({"textDocument": {"uri": furi}}),
    );
    assert_eq!(folds[0]["startLine"], 0, "{folds}");
    assert_eq!(folds[0]["endLine"], 3);
    let sel = c.request(
        "textDocument/selectionRange",
        json!({"textDocument": {"uri": furi}, "positions": [{"line": 1, "character": 12}]}),
    );
    assert_eq!(
        sel[0]["range"]["start"],
        json!({"line": 1, "character": 10}),
        "{sel}"
    );
    assert!(sel[0]["parent"]["parent"].is_object(), "{sel}");
    let symbols = c.request("workspace/symbol", json!({"query": "look"}));
    assert_eq!(symbols[0]["name"], "lookup", "{symbols}");
    // Semantic tokens: the first is `flow` (keyword, index 0), then the flow's name (function,
    // index 4, a definition): five numbers each, relative positions.
    let tokens = c.request(
        "textDocument/semanticTokens/full",
        json!({"textDocument": {"uri": furi}}),
    );
    let data: Vec<u64> = tokens["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_u64().unwrap())
        .collect();
    assert_eq!(&data[..10], &[0, 0, 4, 0, 0, 0, 5, 7, 4, 1], "{tokens}");
    // Inlay hints: the type of a step, after its name.
    let helpers = root.join("flows/helpers.kdl");
    let huri = uri(&helpers);
    c.open(&huri, &std::fs::read_to_string(&helpers).unwrap());
    let hints = c.request(
        "textDocument/inlayHint",
        json!({"textDocument": {"uri": huri},
            "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}}),
    );
    assert_eq!(hints[0]["label"], ": a response object", "{hints}");
    assert_eq!(hints[0]["position"], json!({"line": 1, "character": 15}));
    c.shutdown();
}

/// A request the editor cancels while the server computes it is answered "request cancelled"
/// (-32800) at once, and the server goes on serving. The request is a search for references over
/// a project of 2,000 flows, whose first answer (building the analysis and its symbol index) takes
/// far longer than reading the `$/cancelRequest` written right behind it.
#[test]
fn cancelled_requests_are_answered_as_cancelled() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut big = String::new();
    for i in 0..2000 {
        big.push_str(&format!(
            "flow \"f{i}\" {{\n    request \"r\" \"GET\" \"/users/{i}\" connection=\"api\"\n    return \"${{steps.r.body}}\"\n}}\n"
        ));
    }
    let path = root.join("flows/many.kdl");
    std::fs::write(&path, &big).unwrap();
    let mut c = Client::start();
    c.initialize(&root, &["utf-16"]);
    let u = uri(&path);
    c.open(&u, &big);
    let params = json!({
        "textDocument": {"uri": u},
        "position": {"line": 1, "character": 46},
        "context": {"includeDeclaration": true},
    });
    c.send(
        json!({"jsonrpc": "2.0", "id": 900, "method": "textDocument/references", "params": params}),
    );
    c.notify("$/cancelRequest", json!({"id": 900}));
    let answer = c.wait(|m| m["id"] == 900);
    let shown: String = answer.to_string().chars().take(300).collect();
    assert_eq!(answer["error"]["code"], -32800, "{shown}");
    // The same request, not cancelled, is answered: every flow's use of the connection and its
    // definition.
    let refs = c.request("textDocument/references", params);
    assert_eq!(refs.as_array().unwrap().len(), 2001);
    c.shutdown();
}

/// A project of two flows and a small OpenAPI document (which the checker reads and keeps).
fn project_with_api() -> tempfile::TempDir {
    let dir = project();
    std::fs::create_dir(dir.path().join("openapi")).unwrap();
    std::fs::write(
        dir.path().join("openapi/api.json"),
        r#"{"openapi": "3.0.3", "info": {"title": "t", "version": "1"},
            "paths": {"/users": {"get": {"operationId": "listUsers",
                "responses": {"200": {"description": "ok"}}}}}}"#,
    )
    .unwrap();
    dir
}

/// `intact/retained` until it satisfies `want` (the analysis thread releases a closed project
/// after the analysis that closing it started).
fn retained_until(c: &mut Client, want: impl Fn(&serde_json::Value) -> bool) -> serde_json::Value {
    let deadline = std::time::Instant::now() + support::lsp_client::TIMEOUT;
    loop {
        let kept = c.request("intact/retained", serde_json::Value::Null);
        if want(&kept) {
            return kept;
        }
        assert!(std::time::Instant::now() < deadline, "still kept: {kept}");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

/// Closing the last open document of a project drops everything the server keeps for it: its
/// snapshot, its parses and its OpenAPI documents; a project with another document open keeps
/// them, and forgets a document renamed on disk. Thirty projects are opened and closed in one
/// session.
#[test]
fn closing_the_last_document_of_a_project_releases_it() {
    let cache = tempfile::tempdir().unwrap();
    let dirs: Vec<tempfile::TempDir> = (0..30).map(|_| project_with_api()).collect();
    let roots: Vec<std::path::PathBuf> = dirs
        .iter()
        .map(|d| d.path().canonicalize().unwrap())
        .collect();
    let mut c = Client::start_with(&[("INTACT_CACHE_DIR", cache.path())]);
    c.initialize(&roots[0], &["utf-16"]);
    let text = |path: std::path::PathBuf| std::fs::read_to_string(path).unwrap();
    let main = |root: &std::path::Path| uri(&root.join("flows/main.kdl"));
    for root in &roots {
        c.open(&main(root), &text(root.join("flows/main.kdl")));
        c.diagnostics(&main(root), |_| true);
    }
    let helpers = uri(&roots[0].join("flows/helpers.kdl"));
    c.open(&helpers, &text(roots[0].join("flows/helpers.kdl")));
    let kept = retained_until(&mut c, |k| k["projects"] == 30 && k["snapshots"] == 30);
    // Five files each: intact.kdl, connection.kdl, two flows, the document.
    assert_eq!(kept["parses"], 30 * 5, "{kept}");
    assert_eq!(kept["openapiDocuments"], 30, "{kept}");
    // A document renamed in an open project (and a flow added, to see the analysis done).
    let api = roots[0].join("openapi/api.json");
    let renamed = roots[0].join("openapi/renamed.json");
    std::fs::rename(&api, &renamed).unwrap();
    std::fs::write(
        roots[0].join("flows/extra.kdl"),
        "flow \"extra\" {\n    return {}\n}\n",
    )
    .unwrap();
    c.notify(
        "workspace/didChangeWatchedFiles",
        json!({"changes": [{"uri": uri(&api), "type": 3}, {"uri": uri(&renamed), "type": 1},
            {"uri": uri(&roots[0].join("flows/extra.kdl")), "type": 1}]}),
    );
    let kept = retained_until(&mut c, |k| k["parses"] == 30 * 5 + 1);
    assert_eq!(kept["openapiDocuments"], 30, "{kept}");
    for root in &roots {
        c.notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": main(root)}}),
        );
    }
    // The first project still has a document open.
    let kept = retained_until(&mut c, |k| k["projects"] == 1 && k["snapshots"] == 1);
    assert_eq!(kept["parses"], 6, "{kept}");
    assert_eq!(kept["openapiDocuments"], 1, "{kept}");
    assert_eq!(kept["openDocuments"], 1, "{kept}");
    c.notify(
        "textDocument/didClose",
        json!({"textDocument": {"uri": helpers}}),
    );
    retained_until(&mut c, |k| {
        k == &json!({"openDocuments": 0, "snapshots": 0, "requestSnapshots": 0, "projects": 0,
            "parses": 0, "openapiDocuments": 0, "diagnosedProjects": 0})
    });
    // A project opened again is analysed again.
    c.open(&main(&roots[1]), &text(roots[1].join("flows/main.kdl")));
    c.diagnostics(&main(&roots[1]), |_| true);
    retained_until(&mut c, |k| {
        k["snapshots"] == 1 && k["openapiDocuments"] == 1
    });
    c.shutdown();
}

/// The server's resident memory (Linux `VmRSS`) after a session that opened and closed many
/// projects, one at a time: printed for docs/performance.md, not asserted. `cargo test --release
/// -p intact-cli --test lsp_stdio -- --ignored --nocapture resident_memory`. The OpenAPI document
/// is copied into each project under one name, or under a name of its own (as documents of
/// different APIs would be).
#[test]
#[ignore = "a measurement for docs/performance.md"]
fn resident_memory_after_closing_projects() {
    let corpus = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/corpus/openapi/box-platform-3.0.json");
    // The document's name in each project, if it has one: `box.json` in each, or `box-{i}.json`.
    let name = |own: bool, i: usize| {
        if own {
            format!("box-{i}.json")
        } else {
            "box.json".to_string()
        }
    };
    for (count, own) in [(300, None), (12, Some(false)), (12, Some(true))] {
        let cache = tempfile::tempdir().unwrap();
        let mut c = Client::start_with(&[("INTACT_CACHE_DIR", cache.path())]);
        let mut dirs = Vec::new();
        for i in 0..count {
            let dir = project();
            let root = dir.path().canonicalize().unwrap();
            if let Some(own) = own {
                std::fs::create_dir(root.join("openapi")).unwrap();
                std::fs::copy(&corpus, root.join("openapi").join(name(own, i))).unwrap();
            }
            if i == 0 {
                c.initialize(&root, &["utf-16"]);
            }
            let main = uri(&root.join("flows/main.kdl"));
            c.open(
                &main,
                &std::fs::read_to_string(root.join("flows/main.kdl")).unwrap(),
            );
            c.diagnostics(&main, |_| true);
            c.notify(
                "textDocument/didClose",
                json!({"textDocument": {"uri": main}}),
            );
            dirs.push(dir);
        }
        // The analyses that the last close started.
        std::thread::sleep(std::time::Duration::from_secs(2));
        let status = std::fs::read_to_string(format!("/proc/{}/status", c.pid())).unwrap();
        let rss = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .unwrap();
        let what = own.map_or("small projects".to_string(), |own| {
            format!(
                "projects with box-platform-3.0.json as openapi/{}",
                name(own, 0)
            )
        });
        eprintln!(
            "intact lsp after opening and closing {count} {what}: {}",
            rss.trim()
        );
        c.shutdown();
    }
}

/// Every diagnostic links its rule page (`codeDescription.href`), and a hover on a finding links
/// the same page: a file under intact's cache folder that the editor can open, holding what
/// `intact explain` prints (issue 24.4.7).
#[test]
fn diagnostics_and_hovers_link_a_rule_page_the_editor_can_open() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let mut c = Client::start_with(&[("INTACT_CACHE_DIR", cache.path())]);
    c.initialize(&root, &["utf-16"]);
    let furi = uri(&root.join("flows/extra.kdl"));
    c.open(
        &furi,
        "flow \"extra\" {\n    log \"x\" bogus=1\n    return {}\n}\n",
    );
    let msg = c.diagnostics(&furi, |d| !d.is_empty());
    let d = &msg["params"]["diagnostics"][0];
    assert_eq!(d["code"], "schema::unknown-property");
    let href = d["codeDescription"]["href"].as_str().unwrap().to_string();
    let page = cache.path().join("rules/schema/unknown-property.md");
    assert_eq!(href, uri(&page), "{d}");
    let text = std::fs::read_to_string(&page).unwrap();
    assert!(text.starts_with("# `schema::unknown-property`"), "{text}");
    let hover = c.request(
        "textDocument/hover",
        json!({"textDocument": {"uri": furi}, "position": {"line": 1, "character": 15}}),
    );
    let markdown = hover["contents"]["value"].as_str().unwrap();
    assert!(markdown.contains(&format!("]({href})")), "{markdown}");
    c.shutdown();
}

/// Completion items carry a sort text in intact's order (issue 26): a client that sorts by
/// label would put `"DELETE"` first among methods and a missing mandatory action last.
#[test]
fn completion_items_keep_intacts_order() {
    let dir = project();
    let root = dir.path().canonicalize().unwrap();
    let mut c = Client::start();
    c.initialize(&root, &["utf-16"]);
    let furi = uri(&root.join("flows/extra.kdl"));
    let text = "flow \"extra\" {\n    request \"r\" \"\" \"/x\"\n}\n";
    c.open(&furi, text);
    let col = "    request \"r\" \"".len() as u32;
    let items = c.request(
        "textDocument/completion",
        json!({"textDocument": {"uri": furi}, "position": {"line": 1, "character": col}}),
    );
    let items = items.as_array().unwrap();
    let mut by_sort: Vec<(&str, &str)> = items
        .iter()
        .map(|i| {
            (
                i["sortText"].as_str().unwrap(),
                i["label"].as_str().unwrap(),
            )
        })
        .collect();
    by_sort.sort();
    let labels: Vec<&str> = by_sort.iter().map(|(_, l)| *l).collect();
    assert_eq!(labels[0], "GET", "{labels:?}");
    c.shutdown();
}
