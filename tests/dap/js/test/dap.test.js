// Drives `dapper-tui dap` with @vscode/debugadapter-testsupport: a DAP client written by the VS Code team, not by us.
// The adapter command comes from $DAPPER_TUI (the pytest wrapper sets it to the venv's dapper-tui).
'use strict';

const assert = require('assert');
const fs = require('fs');
const path = require('path');
const { collectStdout, lineOf, programFolder, stdioClient } = require('./client');

const PROGRAM = [
  'import shapes',
  '',
  'def main():',
  '    total = 0',
  '    for i in range(3):',
  '        total += shapes.area(i)',
  '        print("area", shapes.area(i))   # loop line',
  '    print("total", total)',
  '',
  'main()',
  '',
].join('\n');
const SHAPES = 'def area(n):\n    return n * 10\n';
const LOOP_LINE = lineOf(PROGRAM, '# loop line');

describe('dapper-tui dap (driven by @vscode/debugadapter-testsupport)', function () {
  let dc;
  let dir;
  let prog;
  let shapes;
  let stdout;

  beforeEach(async function () {
    ({ dir, paths: { 'prog.py': prog, 'shapes.py': shapes } } = programFolder('dapper-js-', {
      'prog.py': PROGRAM,
      'shapes.py': SHAPES,
    }));
    dc = stdioClient();
    stdout = collectStdout(dc);
    await dc.start();
  });

  afterEach(async function () {
    await dc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('announces its capabilities, hot reload included', async function () {
    const r = await dc.initializeRequest();
    assert.strictEqual(r.body.supportsHotReload, true);
    assert.strictEqual(r.body.supportsConfigurationDoneRequest, true);
    assert.strictEqual(r.body.supportsConditionalBreakpoints, true);
    assert.strictEqual(r.body.supportsLogPoints, true);
    const filters = r.body.exceptionBreakpointFilters.map((f) => f.filter);
    assert.deepStrictEqual(filters, ['uncaught', 'raised']);
  });

  it('stops at a breakpoint, shows stack and variables, continues to the exit', async function () {
    await dc.hitBreakpoint({ program: prog }, { path: prog, line: LOOP_LINE });
    const threads = await dc.threadsRequest();
    assert.strictEqual(threads.body.threads.length, 1);
    const threadId = threads.body.threads[0].id;
    const st = await dc.stackTraceRequest({ threadId });
    const frames = st.body.stackFrames;
    assert.strictEqual(frames[0].name, 'main');
    assert.strictEqual(frames[0].line, LOOP_LINE);
    assert.strictEqual(frames[0].source.path, prog);
    assert.strictEqual(frames[1].name, '<module>');
    const scopes = await dc.scopesRequest({ frameId: frames[0].id });
    const locals = scopes.body.scopes.find((s) => s.name === 'Locals');
    const vars = await dc.variablesRequest({ variablesReference: locals.variablesReference });
    const byName = Object.fromEntries(vars.body.variables.map((v) => [v.name, v.value]));
    assert.deepStrictEqual(byName, { total: '0', i: '0' });
    const ev = await dc.evaluateRequest({ expression: 'shapes.area(7)', frameId: frames[0].id, context: 'watch' });
    assert.strictEqual(ev.body.result, '70');

    await dc.setBreakpointsRequest({ source: { path: prog }, breakpoints: [] });
    await Promise.all([
      dc.continueRequest({ threadId }),
      dc.waitForEvent('exited').then((e) => assert.strictEqual(e.body.exitCode, 0)),
      dc.waitForEvent('terminated'),
    ]);
    assert.strictEqual(stdout.text, 'area 0\narea 10\narea 20\ntotal 30\n');
  });

  it('hot reloads an edited module while stopped, and the program runs the new code', async function () {
    await dc.hitBreakpoint({ program: prog }, { path: prog, line: LOOP_LINE });
    const threadId = (await dc.threadsRequest()).body.threads[0].id;

    fs.writeFileSync(shapes, 'def area(n):\n    return n * 99\n');
    const [response, changed, result] = await Promise.all([
      dc.customRequest('dapper/hotReload', {
        source: { path: shapes },
        options: { invalidatePycache: true, updateFrameCode: true, rebindFrameLocals: true, patchClassInstances: true },
      }),
      dc.waitForEvent('loadedSource'),
      dc.waitForEvent('dapper/hotReloadResult'),
    ]);
    assert.strictEqual(response.success, true);
    assert.strictEqual(response.body.reloadedModule, 'shapes');
    assert.strictEqual(response.body.reloadedPath, shapes);
    for (const field of ['reboundFrames', 'updatedFrameCodes', 'patchedInstances', 'warnings']) {
      assert.ok(field in response.body, field);
    }
    assert.strictEqual(changed.body.reason, 'changed');
    assert.strictEqual(changed.body.source.path, shapes);
    assert.strictEqual(result.body.module, 'shapes');
    assert.ok(typeof result.body.durationMs === 'number');

    const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
    const ev = await dc.evaluateRequest({ expression: 'shapes.area(1)', frameId: frame.id });
    assert.strictEqual(ev.body.result, '99');

    await dc.setBreakpointsRequest({ source: { path: prog }, breakpoints: [] });
    await Promise.all([dc.continueRequest({ threadId }), dc.waitForEvent('terminated')]);
    assert.strictEqual(stdout.text, 'area 0\narea 99\narea 198\ntotal 297\n');
  });

  it('answers a reload it cannot do with an error, and keeps the session', async function () {
    await dc.hitBreakpoint({ program: prog }, { path: prog, line: LOOP_LINE });
    const notes = path.join(dir, 'notes.txt');
    fs.writeFileSync(notes, 'hello\n');
    await assert.rejects(dc.customRequest('dapper/hotReload', { source: { path: notes } }));
    await assert.rejects(dc.customRequest('dapper/noSuchThing', {}), /unknown request/);
    const threads = await dc.threadsRequest();
    assert.strictEqual(threads.body.threads.length, 1);
  });
});
