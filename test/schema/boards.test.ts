// boards.yml: the example inventory loads with its defaults; each rule of the inventory
// (emulated vs real fields, machine/core pairs, argv placeholders, meters, unique ids
// and ports) is reported at its pointer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { BoardsFile, RealBoard } from '../../src/schema/boards-types.ts';
import { loadBoardsFile, parseDocumentText } from '../../src/schema/load.ts';
import { findProblems, validate } from '../../src/schema/validate.ts';
import { at, edited, repoRoot, schemaError, type Json } from './helpers.ts';

const examplePath = path.join(repoRoot, 'examples', 'boards.yml');

test('the example inventory loads, with defaults filled in', () => {
  const inv = loadBoardsFile(examplePath);
  assert.deepEqual(
    inv.boards.map((b) => [b.id, b.kind, b.core]),
    [
      ['qemu-m4', 'emulated', 'cortex-m4'],
      ['qemu-m55', 'emulated', 'cortex-m55'],
      ['nucleo-l496zg-1', 'real', 'cortex-m4'],
    ],
  );
  const nucleo = inv.boards[2] as RealBoard;
  assert.equal(nucleo.flash.command[0], 'openocd');
  assert.ok(nucleo.flash.command.includes('program {image} verify reset exit'));
  assert.equal(nucleo.meter?.serial?.baud, 115200); // default
  assert.equal(nucleo.reset.timeoutS, 30);
  // The emulated meter takes no PPK2 defaults.
  assert.deepEqual(inv.boards[0].meter, { kind: 'emulated' });
});

// The example as plain data (no defaults), the base of the invalid table.
const example = parseDocumentText(
  readFileSync(examplePath, 'utf8'),
  'boards.yml',
  'boards',
) as unknown as Json;

test('an LPM01A meter on a real board is valid, with a typed document', () => {
  const inv: BoardsFile = {
    schemaVersion: 1,
    boards: [
      {
        id: 'disco-f469',
        kind: 'real',
        core: 'cortex-m4',
        clockHz: 180_000_000,
        serial: { path: '/dev/ttyACM0' },
        flash: { command: ['st-flash', '--reset', 'write', '{imageBin}', '0x08000000'] },
        reset: { command: ['st-flash', 'reset'] },
        meter: {
          kind: 'lpm01a',
          serial: { path: '/dev/ttyACM1', baud: 3_686_400 },
          supplyMv: 3000,
        },
        labels: ['stm32f469i-disco'],
      },
    ],
  };
  validate('boards', inv, 'boards.yml');
  const loaded = parseDocumentText(JSON.stringify(inv), 'boards.json', 'boards', {
    applyDefaults: true,
  });
  assert.equal(loaded.boards[0].meter?.markerChannel, undefined);
  assert.equal((loaded.boards[0] as RealBoard).flash.timeoutS, 120);
});

const NUCLEO = 2;
/** [what, edit, pointer, message prefix] */
const INVALID: [string, (d: Record<string, Json>) => void, string, string][] = [
  [
    'id with a space',
    (d) => (at(d, 'boards', 0).id = 'qemu m4'),
    '/boards/0/id',
    'must start with a letter or digit',
  ],
  [
    'unknown kind',
    (d) => (at(d, 'boards', 0).kind = 'simulated'),
    '/boards/0/kind',
    'must be one of "real", "emulated"',
  ],
  [
    'emulated board without a machine',
    (d) => delete at(d, 'boards', 1).machine,
    '/boards/1',
    "must have required property 'machine'",
  ],
  [
    'machine and core disagree',
    (d) => (at(d, 'boards', 0).machine = 'mps2-an385'),
    '/boards/0/core',
    'must be "cortex-m3" on mps2-an385',
  ],
  [
    'unknown QEMU machine',
    (d) => (at(d, 'boards', 0).machine = 'lm3s6965evb'),
    '/boards/0/machine',
    'must be one of "mps2-an385"',
  ],
  [
    'emulated board with a serial port',
    (d) => (at(d, 'boards', 0).serial = { path: '/dev/pts/3' }),
    '/boards/0/serial',
    'emulated boards have no serial port',
  ],
  [
    'emulated board with a flasher',
    (d) => (at(d, 'boards', 0).flash = { command: ['x', '{image}'] }),
    '/boards/0/flash',
    'emulated boards are not flashed',
  ],
  [
    'emulated board with a real meter',
    (d) => (at(d, 'boards', 0, 'meter').kind = 'ppk2'),
    '/boards/0/meter/kind',
    'must be "emulated" on an emulated board',
  ],
  [
    'real board without a reset command',
    (d) => delete at(d, 'boards', NUCLEO).reset,
    '/boards/2',
    "must have required property 'reset'",
  ],
  [
    'real board with a QEMU machine',
    (d) => (at(d, 'boards', NUCLEO).machine = 'mps2-an386'),
    '/boards/2/machine',
    'only emulated boards have a QEMU machine',
  ],
  [
    'real board with the emulated meter',
    (d) => (at(d, 'boards', NUCLEO).meter = { kind: 'emulated' }),
    '/boards/2/meter/kind',
    'must be "ppk2" or "lpm01a" on a real board',
  ],
  [
    'command as a shell string',
    (d) => (at(d, 'boards', NUCLEO, 'reset').command = 'openocd -c "reset run"'),
    '/boards/2/reset/command',
    'must be array',
  ],
  [
    'empty command',
    (d) => (at(d, 'boards', NUCLEO, 'reset').command = []),
    '/boards/2/reset/command',
    'must NOT have fewer than 1 items',
  ],
  [
    'flash command that never passes the image',
    (d) => (at(d, 'boards', NUCLEO, 'flash').command = ['openocd', '-c', 'program firmware.elf']),
    '/boards/2/flash/command',
    'must pass the image',
  ],
  [
    'unknown placeholder',
    (d) =>
      ((at(d, 'boards', NUCLEO, 'flash').command as Json[])[8] = 'program {img} verify reset exit'),
    '/boards/2/flash/command/8',
    'must use only the placeholders',
  ],
  [
    'stray brace',
    (d) => ((at(d, 'boards', NUCLEO, 'reset').command as Json[])[0] = 'openocd}'),
    '/boards/2/reset/command/0',
    'must use only the placeholders',
  ],
  [
    'zero timeout',
    (d) => (at(d, 'boards', NUCLEO, 'flash').timeoutS = 0),
    '/boards/2/flash/timeoutS',
    'must be > 0',
  ],
  [
    'baud rate too low',
    (d) => (at(d, 'boards', NUCLEO, 'serial').baud = 300),
    '/boards/2/serial/baud',
    'must be >= 1200',
  ],
  [
    'PPK2 without its serial port',
    (d) => delete at(d, 'boards', NUCLEO, 'meter').serial,
    '/boards/2/meter',
    "must have required property 'serial'",
  ],
  [
    'PPK2 without a marker channel',
    (d) => delete at(d, 'boards', NUCLEO, 'meter').markerChannel,
    '/boards/2/meter',
    "must have required property 'markerChannel'",
  ],
  [
    'PPK2 channel D8',
    (d) => (at(d, 'boards', NUCLEO, 'meter').markerChannel = 8),
    '/boards/2/meter/markerChannel',
    'must be <= 7',
  ],
  [
    'LPM01A with a marker channel',
    (d) => (at(d, 'boards', NUCLEO, 'meter').kind = 'lpm01a'),
    '/boards/2/meter/markerChannel',
    'only the PPK2 has marker channels',
  ],
  [
    'LPM01A above 3.3 V',
    (d) =>
      Object.assign(at(d, 'boards', NUCLEO, 'meter'), {
        kind: 'lpm01a',
        markerChannel: undefined,
        supplyMv: 3600,
      }),
    '/boards/2/meter/supplyMv',
    'must be <= 3300',
  ],
  [
    'repeated label',
    (d) => (at(d, 'boards', 0).labels = ['a', 'a']),
    '/boards/0/labels',
    'must not repeat an entry',
  ],
  [
    'unknown field, with a suggestion',
    (d) => (at(d, 'boards', NUCLEO).clockHZ = 1),
    '/boards/2',
    'unknown field "clockHZ" (did you mean "clockHz"?)',
  ],
  // Rules beyond the schema.
  [
    'two boards with one id',
    (d) => (at(d, 'boards', 1).id = 'qemu-m4'),
    '/boards/1/id',
    'duplicate board id "qemu-m4" (also at /boards/0/id)',
  ],
  [
    "meter on the board's own port",
    (d) =>
      (at(d, 'boards', NUCLEO, 'meter', 'serial').path = at(d, 'boards', NUCLEO, 'serial').path),
    '/boards/2/meter/serial/path',
    'duplicate serial port',
  ],
];

for (const [what, edit, pointer, prefix] of INVALID) {
  test(`invalid: ${what} -> ${pointer}`, () => {
    // JSON round trip drops the undefined fields some edits use to delete.
    const doc = JSON.parse(JSON.stringify(edited(example, edit))) as Json;
    const e = schemaError(() => validate('boards', doc, 'boards.yml'));
    const hit = e.problems.find((p) => p.pointer === pointer);
    assert.ok(hit, `no problem at ${pointer}; got:\n${e.message}`);
    assert.ok(hit.message.startsWith(prefix), `"${hit.message}" does not start with "${prefix}"`);
  });
}

test('the example itself has no problem the invalid cases could hide behind', () => {
  assert.deepEqual(findProblems('boards', example), []);
});

test('YAML positions in an inventory', () => {
  const text = [
    'schemaVersion: 1',
    'boards:',
    '  - id: qemu-m3',
    '    kind: emulated',
    '    machine: mps2-an385',
    '    core: cortex-m7',
    '    clockHz: 25000000',
    '    labels: []',
  ].join('\n');
  const e = schemaError(() => parseDocumentText(text, 'boards.yml', 'boards'));
  assert.equal(e.message, 'boards.yml:6:11: /boards/0/core: must be "cortex-m3" on mps2-an385');
});
