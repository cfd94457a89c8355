// The VS Code extension inside a real VS Code engine (code-server, set up by setup.sh), against the
// real `intact lsp`, driven through Debian's Chromium:
//
//   bash tests/editors/vscode/setup.sh && node tests/editors/vscode/check.js
//
// Installs target/intact.vsix (`bash tests/run.sh` builds it), opens a copy of the SCIM example
// whose list_users (at the top of actions/users.kdl, so that its line is on screen) names an unknown
// contract, and checks: the file's language is the extension's, the status item says the server runs,
// the server's diagnostic is shown, and completion after `${input.` offers the contract's fields.
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
  JSON.stringify({ 'intact.path': intact, 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false }),
);
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
    await page.keyboard.press('Control+P');
    await page.waitForTimeout(1000);
    await page.keyboard.type('actions/users.kdl');
    await page.waitForTimeout(1500);
    await page.keyboard.press('Enter');

    const language = await page
      .waitForFunction(() => [...document.querySelectorAll('.statusbar-item')].map((e) => e.textContent).find((t) => t.includes('intact (KDL)')), null, { timeout: 30000 })
      .then((h) => h.jsonValue())
      .catch(() => null);
    if (!language) fail('the status bar shows the intact language for users.kdl');
    console.log(`ok: the extension's language: ${language.trim()}`);

    const state = await page
      .waitForFunction(
        () => {
          const item = [...document.querySelectorAll('.statusbar-item')].find((e) => (e.id || '').includes('intact.server'));
          const label = item && (item.getAttribute('aria-label') || item.textContent);
          return label && /running/.test(label) ? label : null;
        },
        null,
        { timeout: 30000 },
      )
      .then((h) => h.jsonValue())
      .catch(() => null);
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

    await page.keyboard.press('Control+F');
    await page.waitForTimeout(500);
    await page.keyboard.type('input.userName');
    await page.waitForTimeout(500);
    await page.keyboard.press('Escape');
    await page.keyboard.press('ArrowLeft');
    for (let i = 0; i < 'input.'.length; i++) await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Control+Space');
    await page.waitForSelector('.suggest-widget .monaco-list-row', { timeout: 30000 });
    const labels = await page.$$eval('.suggest-widget .monaco-list-row', (rows) => rows.map((r) => r.getAttribute('aria-label')));
    if (!labels.some((l) => /^userName, Field/.test(l))) fail('completion after `${input.` offers userName', labels);
    console.log(`ok: completion inside \${…}: ${labels.join('; ')}`);
  } finally {
    await browser.close();
    stopServer();
  }
})().catch((e) => fail('the check ran', String(e)));
