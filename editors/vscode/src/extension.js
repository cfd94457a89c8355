// VS Code client for `intact lsp`. Plain CommonJS: no build step.
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const vscode = require('vscode');
const { LanguageClient, State } = require('vscode-languageclient/node');

const CLIENT_ID = 'intact'; // also makes vscode-languageclient read `intact.trace.server`
const CLIENT_NAME = 'intact language server';

/** @type {LanguageClient | undefined} */
let client;
/** @type {vscode.OutputChannel | undefined} */
let outputChannel;
/** @type {vscode.FileSystemWatcher[]} */
let watchers = [];
/** @type {vscode.StatusBarItem | undefined} */
let statusItem;
/** The command the running client was started with. */
let startedWith;

/** The status item says whether the server runs; a click shows its output. */
function showState(state, detail) {
  if (!statusItem) {
    return;
  }
  const looks = {
    starting: ['$(sync~spin) intact', 'intact lsp is starting'],
    running: ['$(check) intact', 'intact lsp is running'],
    stopped: ['$(error) intact', 'intact lsp is not running'],
  }[state];
  statusItem.text = looks[0];
  statusItem.tooltip = detail ? `${looks[1]}: ${detail}` : looks[1];
  statusItem.show();
}

/** The binary from `intact.path`: a bare name goes through PATH, `~/` is expanded, a relative path is
 *  resolved against the first workspace folder. */
function serverCommand() {
  const configured = (vscode.workspace.getConfiguration('intact').get('path') || 'intact').trim() || 'intact';
  if (configured === '~' || configured.startsWith('~/') || configured.startsWith('~\\')) {
    return path.join(os.homedir(), configured.slice(1));
  }
  if (path.isAbsolute(configured) || !/[\\/]/.test(configured)) {
    return configured;
  }
  const folder = vscode.workspace.workspaceFolders && vscode.workspace.workspaceFolders[0];
  return folder ? path.join(folder.uri.fsPath, configured) : configured;
}

function createClient(command) {
  // No `transport` on purpose: with TransportKind.stdio the client would append `--stdio` to the arguments.
  const run = { command, args: ['lsp'] };
  const serverOptions = { run, debug: run };

  const clientOptions = {
    // `intact` is this extension's language; `kdl` covers files that another KDL extension claimed.
    // The server itself decides which files belong to a project (a folder with intact.kdl).
    documentSelector: [
      { scheme: 'file', language: 'intact' },
      { scheme: 'file', language: 'kdl' },
      { scheme: 'file', pattern: '**/env/*.toml' },
    ],
    synchronize: { fileEvents: watchers },
    outputChannel,
    traceOutputChannel: outputChannel,
  };

  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}

async function startClient() {
  // Resolved once: the status item and the messages name the binary that was started.
  const command = serverCommand();
  startedWith = command;
  const next = createClient(command);
  client = next;
  showState('starting');
  next.onDidChangeState((event) => {
    if (client === next) {
      showState(event.newState === State.Running ? 'running' : event.newState === State.Starting ? 'starting' : 'stopped');
    }
  });
  try {
    await next.start();
    showState('running', command);
  } catch (err) {
    if (client === next) {
      client = undefined;
    }
    const message = err && err.message ? err.message : String(err);
    showState('stopped', message);
    // Not awaited: activation must not wait for the user to dismiss the notification.
    vscode.window
      .showErrorMessage(
        `intact: could not start \`${command} lsp\` (${message}). Set "intact.path" to the intact binary.`,
        'Open Settings',
        'Show Output',
      )
      .then((choice) => {
        if (choice === 'Open Settings') {
          vscode.commands.executeCommand('workbench.action.openSettings', 'intact.path');
        } else if (choice === 'Show Output' && outputChannel) {
          outputChannel.show(true);
        }
      });
  }
}

async function stopClient() {
  const current = client;
  client = undefined;
  if (!current) {
    return;
  }
  if (current.state === State.Stopped) {
    return;
  }
  try {
    await current.dispose(); // shutdown + exit, then ends the process
  } catch (err) {
    if (outputChannel) {
      outputChannel.appendLine(`[client] stopping the server failed: ${err && err.message ? err.message : err}`);
    }
  }
}

/** Runs `intact ARGS` as a task in the terminal panel, in the project's folder: the user sees
 *  its output as the command line prints it. No shell: names are passed as they are. */
async function runIntact(title, args, project) {
  const execution = new vscode.ProcessExecution(serverCommand(), args, { cwd: project });
  const folder = vscode.workspace.getWorkspaceFolder(vscode.Uri.file(project)) || vscode.TaskScope.Workspace;
  const task = new vscode.Task({ type: 'intact', args }, folder, title, 'intact', execution, []);
  task.presentationOptions = { reveal: vscode.TaskRevealKind.Always, clear: true, focus: false };
  return vscode.tasks.executeTask(task);
}

/** The command behind the server's "Run test" lenses: `{ name, project }`. */
async function runTest(arg) {
  if (!arg || typeof arg.name !== 'string' || typeof arg.project !== 'string') {
    vscode.window.showErrorMessage('intact: Run Test needs a test; use "intact: Run Test at Cursor" inside a test block.');
    return undefined;
  }
  return runIntact(`test ${arg.name}`, ['test', '--filter', arg.name, '--exact', arg.project], arg.project);
}

/** The test whose block holds the cursor, from the server's lenses (each covers its whole test). */
async function runTestAtCursor() {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    vscode.window.showInformationMessage('intact: open a .kdl file of an intact project and put the cursor inside a test.');
    return undefined;
  }
  const lenses = (await vscode.commands.executeCommand('vscode.executeCodeLensProvider', editor.document.uri)) || [];
  const cursor = editor.selection.active;
  const lens = lenses.find((l) => l.command && l.command.command === 'intact.runTest' && l.range.contains(cursor));
  if (!lens) {
    vscode.window.showInformationMessage('intact: the cursor is not inside a test block.');
    return undefined;
  }
  return runTest(lens.command.arguments[0]);
}

/** The intact project of a file: the nearest folder above it that holds intact.kdl. */
function projectOf(file) {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'intact.kdl'))) {
      return dir;
    }
    if (path.dirname(dir) === dir) {
      return undefined;
    }
  }
}

/** `intact check` on the project of the active file, or of the first workspace folder that is one. */
async function checkProject() {
  const editor = vscode.window.activeTextEditor;
  let project = editor && editor.document.uri.scheme === 'file' ? projectOf(editor.document.uri.fsPath) : undefined;
  if (!project) {
    const folder = (vscode.workspace.workspaceFolders || []).find((f) => fs.existsSync(path.join(f.uri.fsPath, 'intact.kdl')));
    project = folder && folder.uri.fsPath;
  }
  if (!project) {
    vscode.window.showInformationMessage('intact: no intact project here (a folder with intact.kdl).');
    return undefined;
  }
  return runIntact('check', ['check', project], project);
}

async function restartClient() {
  await stopClient();
  await startClient();
}

/** @param {vscode.ExtensionContext} context */
async function activate(context) {
  outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  watchers = [
    vscode.workspace.createFileSystemWatcher('**/*.kdl'),
    vscode.workspace.createFileSystemWatcher('**/env/*.toml'),
  ];
  context.subscriptions.push(outputChannel, ...watchers);
  statusItem = vscode.window.createStatusBarItem('intact.server', vscode.StatusBarAlignment.Left, 0);
  statusItem.name = 'intact language server';
  statusItem.command = 'intact.showOutput';
  context.subscriptions.push(statusItem);

  context.subscriptions.push(
    vscode.commands.registerCommand('intact.restartServer', restartClient),
    vscode.commands.registerCommand('intact.showOutput', () => outputChannel && outputChannel.show(true)),
    vscode.commands.registerCommand('intact.runTest', runTest),
    vscode.commands.registerCommand('intact.runTestAtCursor', runTestAtCursor),
    vscode.commands.registerCommand('intact.checkProject', checkProject),
    vscode.workspace.onDidChangeConfiguration((event) => {
      // A reload of the settings may report intact.path as affected without changing it.
      if (event.affectsConfiguration('intact.path') && serverCommand() !== startedWith) {
        restartClient();
      }
    }),
  );

  await startClient();
}

function deactivate() {
  return stopClient();
}

module.exports = { activate, deactivate };
