// The README's VS Code launch.json, driven through @vscode/debugadapter-testsupport with the arguments VS Code
// would send: the configuration's keys (variables substituted) become the `launch` request's arguments.
// Two ways VS Code reaches the adapter, both here:
//   - "debugServer": VS Code connects to `dapper-tui dap --port N` (started by hand) instead of starting one;
//   - an executable adapter `dapper-tui dap` on stdio (what a debugger contribution or nvim-dap starts).
// On each: stop at a breakpoint, save an edited module and send dapper/hotReload (what the on-save hook does),
// see the new code run, continue to the end.
// Named .spec.js so that `npm test` (test/*.test.js) does not run it; tests/entry/test_launch_json.py does.
'use strict';

const assert = require('assert');
const { spawn } = require('child_process');
const fs = require('fs');
const net = require('net');
const { DebugClient } = require('@vscode/debugadapter-testsupport');
const { ADAPTER, adapterEnv, collectStdout, lineOf, programFolder } = require('./client');
const TOKEN = 'entry-test-token-0123456789abcdef';

// The configuration as the README shows it (README: /tmp/notes/readme-entry.md).
const LAUNCH_JSON = {
  version: '0.2.0',
  configurations: [
    {
      name: 'dapper-tui: current file',
      type: 'dapper',
      request: 'launch',
      program: '${file}',
      args: [],
      cwd: '${workspaceFolder}',
      stopOnEntry: false,
      justMyCode: true,
    },
  ],
};
// The README's "run the server yourself" variant adds these two keys.
const DEBUG_SERVER_KEYS = { debugServer: 4711, dapperToken: '${env:DAPPER_TUI_DAP_TOKEN}' };

const PROGRAM = [
  'import shapes',
  '',
  'def main():',
  '    for i in range(2):',
  '        print("area", shapes.area(i))  # loop line',
  '    print("finished")',
  '',
  'main()',
  '',
].join('\n');
const LOOP_LINE = lineOf(PROGRAM, '# loop line');

// What VS Code does before `launch`: substitute ${...} variables; the keys go on as the arguments.
function resolved(config, vars) {
  const text = JSON.stringify(config).replace(/\$\{([^}]+)\}/g, (_, name) => {
    if (name.startsWith('env:')) return process.env[name.slice(4)] || vars[name] || '';
    if (!(name in vars)) throw new Error(`unknown variable ${name}`);
    return vars[name];
  });
  return JSON.parse(text);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function startServer(port) {
  const env = adapterEnv({ DAPPER_TUI_DAP_TOKEN: TOKEN });
  const proc = spawn(ADAPTER, ['dap', '--port', String(port), '--once'], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let err = '';
    const timer = setTimeout(() => reject(new Error(`the server did not listen:\n${err}`)), 20000);
    proc.stderr.on('data', (d) => {
      err += d;
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve(proc);
      }
    });
    proc.on('exit', (code) => reject(new Error(`the server exited with ${code}:\n${err}`)));
  });
}

async function editSaveReloadContinue(dc, config, shapes) {
  const stopped = dc.waitForEvent('stopped');
  await dc.initializeRequest({ adapterID: config.type, linesStartAt1: true, columnsStartAt1: true, pathFormat: 'path' });
  await dc.launchRequest(config);
  await dc.setBreakpointsRequest({ source: { path: config.program }, breakpoints: [{ line: LOOP_LINE }] });
  await dc.configurationDoneRequest();
  const stop = await stopped;
  assert.strictEqual(stop.body.reason, 'breakpoint');
  const threadId = stop.body.threadId;

  // the on-save hook: the file is written, then dapper/hotReload names it
  fs.writeFileSync(shapes, 'def area(n):\n    return n * 77\n');
  const reply = await dc.customRequest('dapper/hotReload', { source: { path: shapes } });
  assert.strictEqual(reply.success, true);
  assert.strictEqual(reply.body.reloadedModule, 'shapes');

  const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
  assert.strictEqual(frame.line, LOOP_LINE);
  assert.strictEqual(frame.source.path, config.program);
  const ev = await dc.evaluateRequest({ expression: 'shapes.area(1)', frameId: frame.id });
  assert.strictEqual(ev.body.result, '77');

  await dc.setBreakpointsRequest({ source: { path: config.program }, breakpoints: [] });
  await Promise.all([dc.continueRequest({ threadId }), dc.waitForEvent('terminated')]);
}

describe('the README launch.json (dapper-tui dap)', function () {
  let dir;
  let prog;
  let shapes;
  let dc;
  let server;
  let stdout;

  beforeEach(function () {
    ({ dir, paths: { 'prog.py': prog, 'shapes.py': shapes } } = programFolder('dapper-launch-', {
      'prog.py': PROGRAM,
      'shapes.py': 'def area(n):\n    return n * 10\n',
    }));
  });

  afterEach(async function () {
    if (dc) await dc.stop();
    dc = undefined;
    if (server) server.kill();
    server = undefined;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  function client(...args) {
    dc = new DebugClient(...args);
    dc.defaultTimeout = 20000;
    stdout = collectStdout(dc);
    return dc;
  }

  it('debugServer: connects to `dapper-tui dap --port N` with the token', async function () {
    const port = await freePort();
    const vars = { file: prog, workspaceFolder: dir, 'env:DAPPER_TUI_DAP_TOKEN': TOKEN };
    const config = resolved(Object.assign({}, LAUNCH_JSON.configurations[0], DEBUG_SERVER_KEYS), vars);
    config.debugServer = port; // the README says 4711; the test takes a free port
    server = await startServer(port);
    await client('unused', 'unused', 'dapper').start(config.debugServer);
    await editSaveReloadContinue(dc, config, shapes);
    assert.ok(stdout.text.includes('area 0\narea 77\nfinished'), stdout.text);
  });

  it('executable adapter: `dapper-tui dap` on stdio (what the extension starts)', async function () {
    const config = resolved(LAUNCH_JSON.configurations[0], { file: prog, workspaceFolder: dir });
    await client(ADAPTER, 'dap', 'dapper', { env: adapterEnv() }).start();
    await editSaveReloadContinue(dc, config, shapes);
    assert.ok(stdout.text.includes('area 0\narea 77\nfinished'), stdout.text);
  });
});
