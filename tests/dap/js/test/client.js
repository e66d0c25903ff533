// Shared by the suites that drive `dapper-tui dap` with @vscode/debugadapter-testsupport: the adapter command,
// a folder with the program's files, a client on stdio that collects the program's stdout, the line of a marker.
// The adapter command comes from $DAPPER_TUI (the pytest wrappers set it to the venv's dapper-tui).
'use strict';

const fs = require('fs');
const os = require('os');
const path = require('path');
const { DebugClient } = require('@vscode/debugadapter-testsupport');

const ADAPTER = process.env.DAPPER_TUI || 'dapper-tui';

// The environment for the adapter: bytecode is written (hot reload must meet stale bytecode as users do).
function adapterEnv(extra = {}) {
  const env = Object.assign({}, process.env, extra);
  delete env.PYTHONDONTWRITEBYTECODE;
  return env;
}

// A new temporary folder holding `files` ({name: text}); returns the folder and each file's path by name.
function programFolder(prefix, files) {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  const paths = {};
  for (const [name, text] of Object.entries(files)) {
    paths[name] = path.join(dir, name);
    fs.writeFileSync(paths[name], text);
  }
  return { dir, paths };
}

// The program's stdout as `dc` receives it: `out.text` grows with each output event.
function collectStdout(dc) {
  const out = { text: '' };
  dc.on('output', (e) => {
    if (e.body.category === 'stdout') out.text += e.body.output;
  });
  return out;
}

// A client of `dapper-tui dap` on stdio (not started); DAPPER_TUI_STDERR=1 shows the adapter's stderr.
function stdioClient(timeout = 15000) {
  const dc = new DebugClient(ADAPTER, 'dap', 'dapper', { env: adapterEnv() }, !!process.env.DAPPER_TUI_STDERR);
  dc.defaultTimeout = timeout;
  return dc;
}

// The 1-based number of the first line of `text` that contains `marker`.
const lineOf = (text, marker) => text.split('\n').findIndex((l) => l.includes(marker)) + 1;

module.exports = { ADAPTER, adapterEnv, collectStdout, lineOf, programFolder, stdioClient };
