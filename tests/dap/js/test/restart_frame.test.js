// Restart Frame through @vscode/debugadapter-testsupport: stop in a function, edit its file so the stopped frame
// keeps its old code, `dapper/hotReload`, then `restartFrame`: the function runs again from its first line in the
// new code, and the program's output shows that call once, with the new result.
'use strict';

const assert = require('assert');
const fs = require('fs');
const { collectStdout, lineOf, programFolder, stdioClient } = require('./client');

const PROGRAM = [
  'import calc',
  '',
  'print("result", calc.total(4))',
  'print("again", calc.total(4))',
  '',
].join('\n');
const CALC = [
  'def total(n):',
  '    acc = 0  # first line',
  '    for i in range(n):',
  '        acc += i  # loop line',
  '    return acc',
  '',
].join('\n');
// a new loop header: the stopped frame cannot continue in this code, it can only be restarted
const CALC_NEW = CALC.replace('range(n)', 'range(n + 1)').replace('acc += i ', 'acc += i * 100 ');

describe('dapper-tui dap: restartFrame (driven by @vscode/debugadapter-testsupport)', function () {
  let dc;
  let dir;
  let prog;
  let calc;
  let stdout;
  let seen;

  beforeEach(async function () {
    ({ dir, paths: { 'prog.py': prog, 'calc.py': calc } } = programFolder('dapper-js-restart-', {
      'prog.py': PROGRAM,
      'calc.py': CALC,
    }));
    dc = stdioClient();
    stdout = collectStdout(dc);
    seen = []; // every message from the adapter, in the order the client read them
    const dispatch = dc.dispatch.bind(dc);
    dc.dispatch = (body) => {
      seen.push(JSON.parse(body));
      dispatch(body);
    };
    await dc.start();
  });

  afterEach(async function () {
    await dc.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('announces supportsRestartFrame', async function () {
    const r = await dc.initializeRequest();
    assert.strictEqual(r.body.supportsRestartFrame, true);
  });

  it('restarts the stopped frame in the new code after a reload; the call runs once', async function () {
    await dc.hitBreakpoint({ program: prog }, { path: calc, line: lineOf(CALC, '# loop line') });
    const threadId = (await dc.threadsRequest()).body.threads[0].id;

    fs.writeFileSync(calc, CALC_NEW);
    const reload = await dc.customRequest('dapper/hotReload', { source: { path: calc } });
    assert.strictEqual(reload.body.updatedFrameCodes, 0);
    assert.deepStrictEqual(
      reload.body.frames.map((f) => [f.name, f.moved]),
      [['total', false]],
    );
    assert.match(reload.body.hint, /Restart Frame/);
    const frame = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(frame.name, 'total [old code]');

    const before = seen.length;
    const [restarted, stack] = await Promise.all([
      dc.restartFrameRequest({ frameId: frame.id }),
      dc.assertStoppedLocation('restart', { path: calc, line: lineOf(CALC_NEW, '# first line') }),
    ]);
    assert.strictEqual(restarted.success, true);
    assert.strictEqual(stack.body.stackFrames[0].name, 'total'); // new code: no "[old code]" mark
    // the spec's order: the response first, then the stopped event
    const after = seen.slice(before);
    const answered = after.findIndex((m) => m.type === 'response' && m.command === 'restartFrame');
    const stopped = after.findIndex((m) => m.type === 'event' && m.event === 'stopped');
    assert.ok(answered >= 0 && answered < stopped, `response at ${answered}, stopped at ${stopped}`);

    await dc.setBreakpointsRequest({ source: { path: calc }, breakpoints: [] });
    await Promise.all([dc.continueRequest({ threadId }), dc.waitForEvent('terminated')]);
    // total(4) ran once, from the top, in the new code (0 + 100 + 200 + 300 + 400)
    assert.strictEqual(stdout.text, 'result 1000\nagain 1000\n');
  });

  it('answers a frame it cannot restart with the reason', async function () {
    await dc.hitBreakpoint({ program: prog }, { path: calc, line: lineOf(CALC, '# loop line') });
    const threadId = (await dc.threadsRequest()).body.threads[0].id;
    const frames = (await dc.stackTraceRequest({ threadId })).body.stackFrames;
    assert.strictEqual(frames[1].name, '<module>');
    await assert.rejects(dc.restartFrameRequest({ frameId: frames[1].id }), /waiting for a call/);
    const top = (await dc.stackTraceRequest({ threadId })).body.stackFrames[0];
    assert.strictEqual(top.line, lineOf(CALC, '# loop line'));
  });
});
