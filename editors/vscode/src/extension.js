// VS Code client for `intact lsp`. Plain CommonJS: no build step.
'use strict';

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

function createClient() {
  const command = serverCommand();
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
  const next = createClient();
  client = next;
  showState('starting');
  next.onDidChangeState((event) => {
    if (client === next) {
      showState(event.newState === State.Running ? 'running' : event.newState === State.Starting ? 'starting' : 'stopped');
    }
  });
  try {
    await next.start();
    showState('running', serverCommand());
  } catch (err) {
    if (client === next) {
      client = undefined;
    }
    const command = serverCommand();
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
    vscode.workspace.onDidChangeConfiguration((event) => {
      if (event.affectsConfiguration('intact.path')) {
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
