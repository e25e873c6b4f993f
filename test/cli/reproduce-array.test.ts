import * as assert from 'assert';
import { spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ArrayManifest, ArrayTaskRecord, arrayTaskFile, loadExperiment, readProbeRows } from '../../lib/experiments';
import { readMetrics, readRunJson, RunStatus } from '../../lib/train/run-folder';
import { cli } from '../reliability/run-cli-helpers';

/** Runs the emitted SLURM batch script as SLURM would run task `index` (its own process). */
function runTask(script: string, index: number): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: String(index) }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Every document of a YAML file, read by js-yaml: mocha's own YAML parser (it reads `.mocharc.yml`), so the test needs
 * no dependency of its own.
 */
function parseYaml(file: string): any[] {
  const yaml = require('js-yaml') as { loadAll: (text: string) => unknown[] };
  return yaml.loadAll(fs.readFileSync(file, 'utf8'));
}

const made: string[] = [];
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bwssl-array-cli-'));
  made.push(dir);
  return dir;
}

describe('cli/reproduce --emit / --index / --collect', () => {
  after(() => {
    for (const d of made.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });

  it('usage mistakes of the job-array options exit with status 2, before any work', async () => {
    const cases: [string[], RegExp][] = [
      [['--emit', 'pbs'], /--emit must be one of slurm, k8s, got 'pbs'/],
      [['--emit', 'slurm', '--index', '0'], /give one of --emit, --index, --collect, not --emit and --index/],
      [['--index', '0', '--no-reuse'], /--no-reuse does not go with --index/],
      [['--gpus', '1'], /--gpus goes with --emit/],
      [['--emit', 'k8s', '--partition', 'gpu', '--image', 'i', '--volume', 'c:/x'], /--partition goes with --emit slurm/],
      [['--emit', 'slurm', '--image', 'i'], /--image goes with --emit k8s/],
      [['--emit', 'k8s', '--image', 'i'], /--emit k8s needs --image .* and --volume CLAIM:PATH/],
      [['--emit', 'k8s', '--image', 'i', '--volume', 'c:/elsewhere', '--out', '/tmp/x'], /--out \/tmp\/x must be inside the volume's \/elsewhere/],
      [['--emit', 'k8s', '--image', 'i', '--volume', 'nopath'], /--volume must be CLAIM:PATH/],
      [['--emit', 'slurm', '--time', '90'], /--time must be D-HH:MM:SS or HH:MM:SS, got '90'/],
      [['--emit', 'slurm', '--parallel', '0'], /--parallel must be at least 1/],
      [['--collect', 'x', '--wait-for-source'], /--wait-for-source goes with --index/],
      [['--index', '5'], /--index 5: fig7 has indexes 0-4/],
    ];
    for (const [args, message] of cases) {
      const r = await cli('reproduce', 'fig7', '--scale', 'smoke', ...args);
      assert.strictEqual(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, message);
    }
  });

  it('--emit slurm writes a batch script that passes bash -n, a submit script with the dependent wave, and the manifest', async () => {
    const out = tempDir();
    const r = await cli('reproduce', 'fig7', '--scale', 'paper', '--out', out, '--emit', 'slurm', '--seeds', '0,1', '--steps', '50', '--partition', 'gpu', '--parallel', '3');
    assert.strictEqual(r.status, 0, r.stderr);
    const script = path.join(out, 'array', 'fig7-paper.sbatch');
    const submit = path.join(out, 'array', 'submit.sh');
    for (const f of [script, submit]) {
      const syntax = spawnSync('bash', ['-n', f], { encoding: 'utf8' });
      assert.strictEqual(syntax.status, 0, `${f}: ${syntax.stderr}`);
    }
    const text = fs.readFileSync(script, 'utf8');
    for (const line of ['--array=0-7%3', '--cpus-per-task=16', '--mem=128G', '--time=7-00:00:00', '--gres=gpu:1', '--partition=gpu', `--output=${out}/array/logs/%A_%a.out`, '--signal=B:TERM@300']) {
      assert.ok(text.includes(`\n#SBATCH ${line}\n`), `${line} in\n${text}`);
    }
    const mainJs = path.resolve(__dirname, '..', '..', 'lib', 'cli', 'main.js');
    assert.ok(text.includes(`exec "\${NODE:-node}" ${mainJs} reproduce fig7 --scale paper --out ${out} --seeds 0,1 --steps 50 --index "$SLURM_ARRAY_TASK_ID"\n`), text);
    assert.match(fs.readFileSync(submit, 'utf8'), /sbatch --parsable "\$@" --array=8-9%3 --dependency=afterany:\$\{job%%;\*\} /);
    const manifest = readRunJson<ArrayManifest>(path.join(out, 'array', 'manifest.json'));
    assert.deepStrictEqual(manifest.command, ['reproduce', 'fig7', '--scale', 'paper', '--out', out, '--seeds', '0,1', '--steps', '50']);
    assert.deepStrictEqual(manifest.tasks.map((t) => `${t.index}:${t.label}/${t.seed}`).slice(7), ['7:simultaneous-lsp/1', '8:e2e-first-block-sequential/0', '9:e2e-first-block-sequential/1']);
    assert.strictEqual(manifest.tasks[9].runDir, path.join(out, 'e2e-first-block-sequential', 'seed-1'));
    assert.strictEqual(readRunJson<{ seeds: number[] }>(path.join(out, 'preset.json')).seeds.length, 2);

    const other = await cli('reproduce', 'fig7', '--scale', 'paper', '--out', out, '--index', '0', '--steps', '60');
    assert.strictEqual(other.status, 1);
    assert.match(other.stderr, /holds another preset \(it differs in runs, seeds\); give the options the array was emitted with/);
  });

  it('--emit k8s writes an Indexed Job that parses as YAML with the index, resources, image and volume', async () => {
    const root = tempDir();
    const out = path.join(root, 'fig7');
    const r = await cli('reproduce', 'fig7', '--scale', 'smoke', '--out', out, '--emit', 'k8s', '--image', 'registry/blockwise-ssl:1', '--volume', `runs-claim:${root}`, '--seeds', '0,1', '--gpus', '1', '--mem', '6', '--time', '01:30:00');
    assert.strictEqual(r.status, 0, r.stderr);
    const docs = parseYaml(path.join(out, 'array', 'fig7-smoke.yaml'));
    assert.strictEqual(docs.length, 1);
    const job = docs[0];
    assert.strictEqual(job.apiVersion, 'batch/v1');
    assert.strictEqual(job.kind, 'Job');
    assert.strictEqual(job.metadata.name, 'bwssl-fig7-smoke');
    assert.strictEqual(job.spec.completionMode, 'Indexed');
    assert.strictEqual(job.spec.completions, 10);
    assert.strictEqual(job.spec.parallelism, 4);
    const pod = job.spec.template.spec;
    assert.strictEqual(pod.restartPolicy, 'Never');
    assert.strictEqual(pod.activeDeadlineSeconds, 5400);
    const c = pod.containers[0];
    assert.strictEqual(c.image, 'registry/blockwise-ssl:1');
    assert.deepStrictEqual(c.command, ['blockwise-ssl']);
    assert.deepStrictEqual(c.args, ['reproduce', 'fig7', '--scale', 'smoke', '--out', out, '--seeds', '0,1', '--index', '$(JOB_COMPLETION_INDEX)', '--wait-for-source']);
    assert.deepStrictEqual(c.env[0], { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } });
    assert.deepStrictEqual(c.resources.limits, { cpu: '1', memory: '6Gi', 'nvidia.com/gpu': 1 });
    assert.deepStrictEqual(c.volumeMounts, [{ name: 'runs', mountPath: root }]);
    assert.deepStrictEqual(pod.volumes, [{ name: 'runs', persistentVolumeClaim: { claimName: 'runs-claim' } }]);
    assert.strictEqual(readRunJson<ArrayManifest>(path.join(out, 'array', 'manifest.json')).tasks.length, 10);
  });

  it('the SLURM script run over every index (smoke) gives the results.csv of reproduce in one process; --collect saves them', async function () {
    // Every index of smoke Fig. 4 is its own process (start-up, backend, dataset): about 60 s on a quiet 2-core machine.
    this.timeout(360000);
    const single = tempDir();
    const one = await cli('reproduce', 'fig7', '--scale', 'smoke', '--out', single);
    assert.strictEqual(one.status, 0, one.stderr);

    const out = tempDir();
    assert.strictEqual((await cli('reproduce', 'fig7', '--scale', 'smoke', '--out', out, '--emit', 'slurm')).status, 0);
    const script = path.join(out, 'array', 'fig7-smoke.sbatch');
    const early = runTask(script, 4);
    assert.strictEqual(early.status, 1);
    assert.match(early.stderr, /index 4 \(e2e-first-block-sequential, seed 0\) cannot start: index 0 \(end-to-end, seed 0\), which it starts from, is not started; run that index first/);
    assert.ok(!fs.existsSync(path.join(out, 'e2e-first-block-sequential')));

    const before = await cli('reproduce', 'fig7', '--scale', 'smoke', '--out', out, '--collect', path.join(out, '..', `${path.basename(out)}-saved`));
    made.push(path.join(out, '..', `${path.basename(out)}-saved`));
    assert.strictEqual(before.status, 1);
    assert.match(before.stderr, /0 of 5 indexes complete/);
    assert.match(before.stderr, /missing: index 4 \(e2e-first-block-sequential, seed 0\): not started/);
    assert.match(before.stderr, /not done: indexes 0-4;/);

    for (let k = 0; k < 5; k++) {
      const r = runTask(script, k);
      assert.strictEqual(r.status, 0, `index ${k}: ${r.stderr}`);
      assert.ok(r.stdout.includes(`index ${k} (`), r.stdout);
      assert.strictEqual(readRunJson<ArrayTaskRecord>(arrayTaskFile(out, k)).state, 'completed');
    }
    const header = 'figure,run,method,block,features,probe,top1,top5,seed,steps,dataset\n';
    assert.strictEqual(fs.readFileSync(path.join(out, 'results.csv'), 'utf8'), header, 'tasks leave results.csv to --collect');
    const status = path.join(out, 'end-to-end', 'status.json');
    const written = fs.statSync(status).mtimeMs;
    const again = runTask(script, 0);
    assert.strictEqual(again.status, 0);
    assert.match(again.stderr, /index 0 \(end-to-end, seed 0\): complete in .*; nothing to do/);
    assert.strictEqual(fs.statSync(status).mtimeMs, written);

    const saved = tempDir();
    const c = await cli('reproduce', 'fig7', '--scale', 'smoke', '--out', out, '--collect', saved);
    assert.strictEqual(c.status, 0, c.stderr);
    assert.match(c.stderr, /5 of 5 indexes complete/);
    assert.match(c.stdout, /\| e2e-first-block-sequential \| +[\d.]+ \|/);
    assert.strictEqual(fs.readFileSync(path.join(out, 'results.csv'), 'utf8'), fs.readFileSync(path.join(single, 'results.csv'), 'utf8'));
    const loaded = loadExperiment(saved);
    assert.strictEqual(loaded.results.length, 72);
    assert.deepStrictEqual(loaded.runs.map((x) => `${x.label} ${x.status}`), ['end-to-end completed', 'sequential-lsp completed', 'e2e-first-block-sequential completed', 'merged-b1-b2 completed', 'simultaneous-lsp completed']);
  });

  it('an index stopped by SIGTERM (preemption) exits 130 with a checkpoint and resumes to the run it would have been', async () => {
    const out = tempDir();
    assert.strictEqual((await cli('reproduce', 'fig7', '--scale', 'smoke', '--out', out, '--emit', 'slurm', '--steps', '300')).status, 0);
    const script = path.join(out, 'array', 'fig7-smoke.sbatch');
    const runDir = path.join(out, 'end-to-end');
    const child = spawn('bash', [script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '0' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const metrics = path.join(runDir, 'metrics.jsonl');
    const poll = setInterval(() => {
      if (fs.existsSync(metrics) && fs.readFileSync(metrics, 'utf8').split('\n').length > 20) {
        clearInterval(poll);
        child.kill('SIGTERM');
      }
    }, 20);
    const code = await exited;
    clearInterval(poll);
    assert.strictEqual(code, 130, stderr);
    assert.match(stderr, /index 0 \(end-to-end, seed 0\): stopped at step \d+\/300 with a checkpoint; run the index again to continue/);
    const stopped = readRunJson<RunStatus>(path.join(runDir, 'status.json'));
    assert.strictEqual(stopped.state, 'stopped');
    assert.ok(stopped.step > 0 && stopped.step < 300 && stopped.lastCheckpoint !== null, JSON.stringify(stopped));
    assert.strictEqual(readRunJson<ArrayTaskRecord>(arrayTaskFile(out, 0)).state, 'stopped');

    const c = await cli('reproduce', 'fig7', '--scale', 'smoke', '--steps', '300', '--out', out, '--collect', tempDir());
    assert.strictEqual(c.status, 1);
    assert.match(c.stderr, new RegExp(`incomplete: index 0 \\(end-to-end, seed 0\\): stopped at step ${stopped.step}/300`));

    const resumed = runTask(script, 0);
    assert.strictEqual(resumed.status, 0, resumed.stderr);
    assert.match(resumed.stderr, /index 0 \(end-to-end, seed 0\): resume /);
    assert.deepStrictEqual(readRunJson<RunStatus>(path.join(runDir, 'status.json')).state, 'completed');

    // Through the same script: the same threads (OMP_NUM_THREADS), so the same sums in the same order.
    const reference = tempDir();
    assert.strictEqual((await cli('reproduce', 'fig7', '--scale', 'smoke', '--out', reference, '--emit', 'slurm', '--steps', '300')).status, 0);
    const whole = runTask(path.join(reference, 'array', 'fig7-smoke.sbatch'), 0);
    assert.strictEqual(whole.status, 0, whole.stderr);
    const losses = (dir: string): number[] => readMetrics(dir).map((m) => m.loss);
    assert.strictEqual(losses(runDir).length, 300);
    assert.deepStrictEqual(losses(runDir), losses(path.join(reference, 'end-to-end')));
    assert.deepStrictEqual(readProbeRows(runDir), readProbeRows(path.join(reference, 'end-to-end')));
  });
});
