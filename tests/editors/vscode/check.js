// The VS Code extension inside a real VS Code engine (code-server, set up by setup.sh), against the
// real `intact lsp`, driven through Debian's Chromium:
//
//   bash tests/editors/vscode/setup.sh && node tests/editors/vscode/check.js
//
// Installs target/intact.vsix (`bash tests/run.sh` builds it), opens a copy of the SCIM example
// whose list_users (at the top of actions/users.kdl, so that its line is on screen) names an unknown
// contract, and checks: the file's language is the extension's, the status item says the server runs,
// the server's diagnostic is shown, completion after `${input.` offers the contract's fields, the
// server's "Run test" lenses show, "intact: Run Test at Cursor" runs exactly the test under the
// cursor in a terminal, and "intact: Check Project" reports the broken contract id.
// Prints `ok: …` per check; exits 1 at the first failure.
'use strict';

const { execFileSync, spawn } = require('child_process');
const fs = require('fs');
const os = require('os');
const path = require('path');

const repo = path.resolve(__dirname, '../../..');
const home = path.join(repo, 'target/test-code-server');
const { chromium } = require(path.join(home, 'node_modules/playwright-core'));
const codeServer = path.join(home, 'node_modules/.bin/code-server');
const vsix = path.join(repo, 'target/intact.vsix');
const intact = path.join(repo, 'target/debug/intact');

function fail(what, seen) {
  console.error(`FAILED: ${what}\n${seen === undefined ? '' : JSON.stringify(seen, null, 2)}`);
  process.exit(1);
}

/** `fail`, with a screenshot of the page at that moment in target/vscode-check-failure.png. */
async function failWithShot(page, what, seen) {
  const shot = path.join(repo, 'target/vscode-check-failure.png');
  try {
    await page.screenshot({ path: shot });
    console.error(`(the page as it was: ${shot})`);
  } catch (e) {
    // no page to show
  }
  fail(what, seen);
}

for (const [file, how] of [
  [codeServer, 'bash tests/editors/vscode/setup.sh'],
  [vsix, 'bash tests/run.sh (it builds target/intact.vsix)'],
  [intact, 'cargo build --bin intact'],
]) {
  if (!fs.existsSync(file)) fail(`${file} is missing; run: ${how}`);
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'intact-vscode-'));
const project = path.join(work, 'project');
fs.cpSync(path.join(repo, 'examples/scim-provisioning'), project, { recursive: true });
const users = path.join(project, 'actions/users.kdl');
fs.writeFileSync(users, fs.readFileSync(users, 'utf8').replace('contract="list-users"', 'contract="list-usres"'));
const data = path.join(work, 'data');
fs.mkdirSync(path.join(data, 'user/User'), { recursive: true });
fs.writeFileSync(
  path.join(data, 'user/User/settings.json'),
  JSON.stringify({
    'workbench.startupEditor': 'none',
    'security.workspace.trust.enabled': false,
    // The DOM renderer: the terminal's text is in the page, where the check reads it.
    'terminal.integrated.gpuAcceleration': 'off',
  }),
);
// code-server is a remote window: a machine-specific setting such as intact.path belongs in the
// Remote settings (Machine/settings.json), as editors/vscode/README.md says; VS Code drops it from
// the User settings at the first configuration reload (seen: the server restarted as `intact`).
fs.mkdirSync(path.join(data, 'user/Machine'), { recursive: true });
fs.writeFileSync(path.join(data, 'user/Machine/settings.json'), JSON.stringify({ 'intact.path': intact }));
const dirs = ['--extensions-dir', path.join(data, 'ext'), '--user-data-dir', path.join(data, 'user')];
execFileSync(codeServer, [...dirs, '--install-extension', vsix], { stdio: 'ignore' });
console.log('ok: the .vsix installs into code-server');

const port = 20000 + Math.floor(Math.random() * 20000);
// Its own process group, so that stopping it stops the processes code-server forks too.
const server = spawn(codeServer, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', ...dirs, project], {
  stdio: 'ignore',
  detached: true,
});
const stopServer = () => {
  try {
    process.kill(-server.pid, 'SIGTERM');
  } catch (e) {
    // already gone
  }
};
process.on('exit', stopServer);

/** With INTACT_CHECK_SHOTS=DIR, a screenshot per step (DIR/NN-step.png), to see what the page did. */
let shots = 0;
async function shot(page, step) {
  const dir = process.env.INTACT_CHECK_SHOTS;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: path.join(dir, `${String(++shots).padStart(2, '0')}-${step}.png`) });
  }
}

/** What `fn(arg)` returns in the page once it is truthy, or null after `timeout` ms. */
function until(page, fn, arg = null, timeout = 30000) {
  return page
    .waitForFunction(fn, arg, { timeout })
    .then((h) => h.jsonValue())
    .catch(() => null);
}

/** Runs a command by its title from the command palette. */
async function runCommand(page, title) {
  await pick(page, 'F1', title, title);
}

/** Opens a quick pick with `key`, types `text`, and takes the first row once one holds `expect`
 *  (waiting for it, not for a fixed time: a loaded machine is slow to list). */
async function pick(page, key, text, expect) {
  await page.keyboard.press(key);
  await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 20000 });
  await page.keyboard.type(text);
  const listed = await until(
    page,
    (want) => [...document.querySelectorAll('.quick-input-list .monaco-list-row')].some((r) => (r.getAttribute('aria-label') || r.textContent).includes(want)),
    expect,
  );
  if (!listed) await failWithShot(page, `the quick pick lists ${expect} for ${JSON.stringify(text)}`);
  await page.keyboard.press('Enter');
}

/** Selects the first `text` in the editor with its find widget, which it then closes. */
async function findInEditor(page, text) {
  await page.keyboard.press('Control+F');
  await page.waitForSelector('.find-widget.visible textarea, .find-widget.visible input', { timeout: 20000 });
  await page.keyboard.type(text);
  const found = await until(
    page,
    () => /^\d+ of/.test((document.querySelector('.find-widget.visible .matchesCount') || {}).textContent || ''),
    null,
    20000,
  );
  if (!found) await failWithShot(page, `the editor finds ${text}`);
  await page.keyboard.press('Escape');
}

/** Opens a file of the project by its path, and waits for its tab. */
async function openFile(page, relative) {
  await pick(page, 'Control+P', relative, path.basename(relative));
  const opened = await until(
    page,
    (name) => [...document.querySelectorAll('.tab.active')].some((t) => t.textContent.includes(name)),
    path.basename(relative),
  );
  if (!opened) await failWithShot(page, `${relative} opens`);
}

/** The text of the terminal panel once it matches `pattern` (or what it had after 60 s). */
async function terminalText(page, pattern) {
  const read = () => page.$$eval('.terminal-wrapper .xterm-rows', (els) => els.map((e) => e.innerText).join('\n'));
  for (let i = 0; i < 120; i++) {
    const text = await read();
    if (pattern.test(text)) return text;
    await page.waitForTimeout(500);
  }
  return read();
}

(async () => {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
  try {
    const page = await browser.newPage();
    for (let i = 0; ; i++) {
      try {
        await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(project)}`, { waitUntil: 'domcontentloaded' });
        break;
      } catch (e) {
        if (i > 60) fail('code-server answers', String(e));
        await new Promise((r) => setTimeout(r, 500));
      }
    }
    await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
    await page.waitForTimeout(3000);
    await openFile(page, 'actions/users.kdl');

    const language = await until(page, () =>
      [...document.querySelectorAll('.statusbar-item')].map((e) => e.textContent).find((t) => t.includes('intact (KDL)')),
    );
    if (!language) fail('the status bar shows the intact language for users.kdl');
    console.log(`ok: the extension's language: ${language.trim()}`);

    const state = await until(page, () => {
      const item = [...document.querySelectorAll('.statusbar-item')].find((e) => (e.id || '').includes('intact.server'));
      const label = item && (item.getAttribute('aria-label') || item.textContent);
      return label && /running/.test(label) ? label : null;
    });
    if (!state) {
      const items = await page.$$eval('.statusbar-item', (els) => els.map((e) => [e.id, e.getAttribute('aria-label')]));
      fail('the status item says the server is running', items);
    }
    console.log(`ok: the status item: ${state}`);

    try {
      await page.waitForSelector('.squiggly-error', { timeout: 60000 });
    } catch (e) {
      fail('the server underlines the unknown contract id');
    }
    const problems = await page.evaluate(() => {
      const el = document.querySelector('[id="status.problems"]');
      return el ? el.getAttribute('aria-label') || el.textContent : '';
    });
    console.log(`ok: diagnostics from the server (${problems})`);

    // Semantic highlighting: VS Code's token inspector shows the server's token on a mapping call
    // inside `${…}` (the grammar alone knows it only as a function call).
    await findInEditor(page, 'scim_user(steps.get.body)');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await runCommand(page, 'Developer: Inspect Editor Tokens and Scopes');
    const inspected = await until(page, () => {
      const w = document.querySelector('.token-inspect-widget');
      return w && /semantic token type/.test(w.textContent) ? w.textContent : null;
    });
    if (!inspected || !/semantic token type\s*function/.test(inspected)) {
      await failWithShot(page, "the server's semantic token `function` on scim_user inside ${…}", inspected);
    }
    console.log('ok: semantic highlighting: scim_user inside ${…} has the semantic token type `function`');
    await page.keyboard.press('Escape');

    await findInEditor(page, 'input.userName');
    await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < 'input.'.length; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Control+Space');
    await page.waitForSelector('.suggest-widget .monaco-list-row', { timeout: 30000 });
    const labels = await page.$$eval('.suggest-widget .monaco-list-row', (rows) => rows.map((r) => r.getAttribute('aria-label')));
    if (!labels.some((l) => /^userName, Field/.test(l))) fail('completion after `${input.` offers userName', labels);
    console.log(`ok: completion inside \${…}: ${labels.join('; ')}`);
    await page.keyboard.press('Escape');
    await shot(page, 'completion');

    await runCommand(page, 'intact: Check Project');
    // The terminal shows only its last rows: the summary line, not every finding above it.
    const checked = await terminalText(page, /error\(s\), \d+ warning/);
    if (!/\b[1-9]\d* error\(s\)/.test(checked)) fail('"intact: Check Project" reports the broken project', checked);
    await shot(page, 'check-project');
    console.log(`ok: "intact: Check Project" ran \`intact check\`: ${checked.match(/\d+ error\(s\)[^\n]*/)[0]}`);

    // The server's quick fix for the unknown id, applied and saved: the project checks cleanly again.
    await findInEditor(page, 'list-usres');
    await page.keyboard.press('Control+.');
    const fixes = await until(page, () => {
      const rows = [...document.querySelectorAll('.action-widget .monaco-list-row')].map((r) => r.textContent);
      return rows.length ? rows : null;
    });
    const fix = fixes && fixes.findIndex((f) => f.includes('list-users'));
    if (fix === null || fix < 0) await failWithShot(page, 'a quick fix offers `list-users` for `list-usres`', fixes);
    for (let i = 0; i < fix; i++) await page.keyboard.press('ArrowDown');
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    await page.keyboard.press('Control+S');
    if (!(await until(page, () => !document.querySelector('.squiggly-error')))) {
      fail('after the quick fix, nothing is underlined', fixes);
    }
    console.log(`ok: the quick fix "${fixes[fix].trim()}" applies and the error is gone`);

    // The server's "Run test" lenses, and the command that runs the test under the cursor.
    await openFile(page, 'tests/pagination.kdl');
    const lenses = await until(page, () => {
      const found = [...document.querySelectorAll('.codelens-decoration')].map((e) => e.textContent);
      return found.length >= 5 ? found : null;
    });
    if (!lenses) fail('the server puts a "Run test" lens above each of the five tests of tests/pagination.kdl');
    console.log(`ok: lenses: ${lenses.join('; ')}`);
    // Line 28 is inside `test "next_cursor_in_the_middle"` (its header is line 26).
    await page.keyboard.press('Control+G');
    await page.waitForSelector('.quick-input-widget input', { state: 'visible', timeout: 20000 });
    await page.keyboard.type('28');
    await page.keyboard.press('Enter');
    await runCommand(page, 'intact: Run Test at Cursor');
    const ran = await terminalText(page, /passed, \d+ failed/);
    if (!/ok\s+next_cursor_in_the_middle/.test(ran) || !/\b1 passed, 0 failed/.test(ran)) {
      fail('"intact: Run Test at Cursor" runs next_cursor_in_the_middle and only it', ran);
    }
    console.log('ok: "intact: Run Test at Cursor" ran next_cursor_in_the_middle: 1 passed, 0 failed');

  } finally {
    await browser.close();
    stopServer();
  }
})().catch((e) => fail('the check ran', String(e)));
