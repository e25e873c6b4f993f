import * as assert from 'assert';
import { CommandSpec, commandHelp, parseCommand, suggestion, UsageError } from '../../lib/cli/args';

const SPEC: CommandSpec = {
  name: 'demo',
  summary: 'A demo command.',
  positionals: [
    { name: 'first', description: 'the first word' },
    { name: 'second', description: 'an optional word', optional: true },
  ],
  options: [
    { name: 'steps', kind: 'int', placeholder: 'N', description: 'how many steps' },
    { name: 'lr', kind: 'number', description: 'a learning rate' },
    { name: 'scale', kind: 'string', choices: ['smoke', 'cpu', 'paper'], description: 'a scale' },
    { name: 'features', kind: 'list', choices: ['head', 'gsp'], description: 'representations' },
    { name: 'quiet', kind: 'flag', description: 'say less' },
  ],
  details: 'More words.',
};

function usageError(argv: string[], message: RegExp): void {
  assert.throws(() => parseCommand(SPEC, argv), (e: Error) => e instanceof UsageError && message.test(e.message), `argv ${JSON.stringify(argv)}`);
}

describe('cli/args', () => {
  it('parses positional words, typed values (--x v and --x=v), lists and flags', () => {
    const p = parseCommand(SPEC, ['a', '--steps', '12', '--lr=0.05', '--scale', 'cpu', '--features', 'gsp,head', '--quiet', 'b']);
    assert.deepStrictEqual(p, { positionals: ['a', 'b'], options: { steps: 12, lr: 0.05, scale: 'cpu', features: ['gsp', 'head'], quiet: true }, help: false });
    assert.deepStrictEqual(parseCommand(SPEC, ['--', '--not-an-option']).positionals, ['--not-an-option']);
    assert.deepStrictEqual(parseCommand(SPEC, ['x', '--lr', '-0.5']).options, { lr: -0.5 });
  });

  it('--help or -h anywhere asks for help, whatever else is there', () => {
    assert.strictEqual(parseCommand(SPEC, ['--help']).help, true);
    assert.strictEqual(parseCommand(SPEC, ['--bogus', '-h']).help, true);
  });

  it('bad flags and values are UsageErrors that say what is wrong', () => {
    usageError(['a', '--stepz', '3'], /demo: unknown option '--stepz' \(did you mean --steps\?\); run 'blockwise-ssl demo --help' for its options/);
    usageError(['a', '-s'], /unknown option '-s'/);
    usageError(['a', '--steps'], /--steps needs a value \(N\)/);
    usageError(['a', '--steps', '--quiet'], /--steps needs a value/);
    usageError(['a', '--steps', '1.5'], /--steps needs an integer >= 0, got '1\.5'/);
    usageError(['a', '--steps', '-3'], /--steps needs an integer >= 0, got '-3'/);
    usageError(['a', '--lr', 'fast'], /--lr needs a number, got 'fast'/);
    usageError(['a', '--scale', 'cpuu'], /--scale must be one of smoke, cpu, paper, got 'cpuu' \(did you mean cpu\?\)/);
    usageError(['a', '--features', 'head,pool'], /--features: 'pool' is not one of head, gsp/);
    usageError(['a', '--quiet=yes'], /--quiet takes no value/);
    usageError(['a', '--steps', '1', '--steps', '2'], /--steps is given twice/);
    usageError([], /demo: missing <first>/);
    usageError(['a', 'b', 'c'], /unexpected argument 'c'/);
  });

  it('help lists the usage line, every argument and option (with --help) and the details', () => {
    const help = commandHelp(SPEC);
    assert.ok(help.startsWith('usage: blockwise-ssl demo <first> [second] [options]\n\nA demo command.'));
    for (const line of ['first   the first word', '--steps N', '--scale smoke|cpu|paper', '--quiet', '--help', 'More words.']) {
      assert.ok(help.includes(line), `help has '${line}':\n${help}`);
    }
  });

  it('suggestion proposes only a close word', () => {
    assert.strictEqual(suggestion('trian', ['train', 'probe']), ' (did you mean train?)');
    assert.strictEqual(suggestion('xyzzy', ['train', 'probe']), '');
  });
});
