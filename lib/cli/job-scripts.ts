import { ArrayManifest, indexRanges } from '../experiments/job-array';
import { Scale } from '../experiments/preset';

/**
 * What one task of a job array asks its scheduler for. One task is one process: TensorFlow.js trains on one GPU, so
 * a paper-scale task takes one GPU where the authors ran each run on 2 nodes x 8 GPUs.
 */
export interface TaskResources {
  gpus: number;
  cpus: number;
  /** Memory in GiB. */
  memoryGiB: number;
  /** Wall-clock limit, SLURM's `D-HH:MM:SS`. A task stopped by it writes a checkpoint; resubmitting continues it. */
  time: string;
  /** Tasks running at once (`%P`, `parallelism`). */
  parallel: number;
}

/**
 * Per scale: a smoke task takes seconds; a CPU-scale run 5-20 minutes on 2 cores (`cpuSettings`), a sequential one
 * about twice that; a cifar10-long run 10-40 minutes of training on one thread plus its probes (`cifar10LongSettings`); a paper-scale run (300 ImageNet epochs, batch 2048) days on one GPU, resubmitted after the limit.
 */
export const TASK_RESOURCES: Record<Scale, TaskResources> = {
  smoke: { gpus: 0, cpus: 1, memoryGiB: 2, time: '00:15:00', parallel: 4 },
  cpu: { gpus: 0, cpus: 2, memoryGiB: 8, time: '02:00:00', parallel: 8 },
  'cifar10-long': { gpus: 0, cpus: 2, memoryGiB: 8, time: '03:00:00', parallel: 8 },
  paper: { gpus: 1, cpus: 16, memoryGiB: 128, time: '7-00:00:00', parallel: 8 },
};

/** Seconds of a SLURM time `D-HH:MM:SS` or `HH:MM:SS`, or null when it is neither. */
export function timeSeconds(time: string): number | null {
  const m = /^(?:(\d+)-)?(\d{1,2}):(\d{2}):(\d{2})$/.exec(time);
  if (!m || Number(m[3]) > 59 || Number(m[4]) > 59) return null;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2])) * 60 + Number(m[3])) * 60 + Number(m[4]);
}

/** A word for bash, single-quoted unless it is plainly safe. */
export function shellWord(word: string): string {
  return /^[A-Za-z0-9_./:=,%@+-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Seconds before its time limit at which SLURM asks a task to stop (SIGTERM): time for the step and the checkpoint. */
const STOP_BEFORE_LIMIT_S = 300;

/**
 * The SLURM batch script of a job array: `#SBATCH --array` over the first wave (every index when no run starts from
 * another), the resources per task, logs under `<out>/array/logs/`, and one command: `reproduce ... --index
 * $SLURM_ARRAY_TASK_ID`. The node process replaces the shell, so the SIGTERM of a preemption or of the time limit
 * (`--signal`, 5 minutes before it) reaches it and it stops after its current step with a checkpoint; the task is
 * requeued where the cluster allows, and a resubmitted index resumes it. `submitScript` submits the later waves.
 */
export function slurmScript(m: ArrayManifest, r: TaskResources, { mainJs, partition }: { mainJs: string; partition?: string }): string {
  const first = m.waves[0];
  const later = m.waves.length > 1 ? ` Indexes ${indexRanges(m.tasks.filter((t) => t.wave > 0).map((t) => t.index))} start from runs of earlier indexes: submit.sh submits them as a second array after this one.` : '';
  return [
    '#!/usr/bin/env bash',
    `# ${m.figure} at ${m.scale} scale as a SLURM job array: one (run, seed) per SLURM_ARRAY_TASK_ID, ${m.tasks.length} in all`,
    `# (array/manifest.json says which).${later}`,
    '# Completed indexes exit at once, so resubmitting redoes only what failed; an index resumes its run folder from its',
    `# newest checkpoint. Run one by hand: SLURM_ARRAY_TASK_ID=K bash ${shellWord(`${m.outDir}/array/${m.figure}-${m.scale}.sbatch`)}`,
    `#SBATCH --job-name=bwssl-${m.figure}-${m.scale}`,
    `#SBATCH --array=${first.first}-${first.last}%${r.parallel}`,
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${r.cpus}`,
    `#SBATCH --mem=${r.memoryGiB}G`,
    `#SBATCH --time=${r.time}`,
    ...(r.gpus > 0 ? [`#SBATCH --gres=gpu:${r.gpus}`] : []),
    ...(partition !== undefined ? [`#SBATCH --partition=${partition}`] : []),
    `#SBATCH --output=${m.outDir}/array/logs/%A_%a.out`,
    '#SBATCH --open-mode=append',
    `#SBATCH --signal=B:TERM@${STOP_BEFORE_LIMIT_S}`,
    '#SBATCH --requeue',
    'set -euo pipefail',
    ': "${SLURM_ARRAY_TASK_ID:?submit with sbatch, or set SLURM_ARRAY_TASK_ID to an index of array/manifest.json}"',
    `export OMP_NUM_THREADS=\${SLURM_CPUS_PER_TASK:-${r.cpus}}`,
    `exec "\${NODE:-node}" ${[mainJs, ...m.command].map(shellWord).join(' ')} --index "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
}

/**
 * Submits the array: the batch script for the first wave, then each later wave as an array that starts when the
 * previous one has ended (`afterany`: a later index whose source failed exits at once, saying so, instead of the
 * whole wave waiting for ever as with `afterok`). Extra arguments go to every sbatch (`--partition`, `--account`).
 */
export function slurmSubmitScript(m: ArrayManifest, r: TaskResources, scriptFile: string): string {
  const lines = [
    '#!/usr/bin/env bash',
    `# Submits ${m.figure} at ${m.scale} scale (${m.tasks.length} indexes in ${m.waves.length} wave(s)); arguments go to every sbatch.`,
    'set -euo pipefail',
    `job=$(sbatch --parsable "$@" ${shellWord(scriptFile)})`,
    'echo "wave 0: job ${job%%;*}"',
  ];
  m.waves.slice(1).forEach((w, i) => {
    lines.push(
      `job=$(sbatch --parsable "$@" --array=${w.first}-${w.last}%${r.parallel} --dependency=afterany:\${job%%;*} ${shellWord(scriptFile)})`,
      `echo "wave ${i + 1}: job \${job%%;*} (after the previous wave)"`,
    );
  });
  return `${lines.join('\n')}\n`;
}

/** A YAML scalar: JSON's double-quoted strings are YAML's. */
const q = (s: string): string => JSON.stringify(s);

/**
 * A Kubernetes Indexed Job (`completionMode: Indexed`): `completions` = the indexes, `parallelism` = tasks at once,
 * each pod running `blockwise-ssl reproduce ... --index $(JOB_COMPLETION_INDEX)` from `image` with the persistent
 * volume claim `claim` mounted at `mountPath` (which holds the experiment folder). Indexes that start from another
 * run come last, so their source has a pod first, and wait for it (`--wait-for-source`). A pod stopped by its
 * deadline or an eviction gets SIGTERM and writes a checkpoint; its retry resumes it.
 */
export function kubernetesJob(m: ArrayManifest, r: TaskResources, { image, claim, mountPath }: { image: string; claim: string; mountPath: string }): string {
  const dependent = m.waves.length > 1;
  const args = [...m.command, '--index', '$(JOB_COMPLETION_INDEX)', ...(dependent ? ['--wait-for-source'] : [])];
  const limits = [`cpu: ${q(String(r.cpus))}`, `memory: ${q(`${r.memoryGiB}Gi`)}`, ...(r.gpus > 0 ? [`nvidia.com/gpu: ${r.gpus}`] : [])];
  return [
    `# ${m.figure} at ${m.scale} scale as a Kubernetes Indexed Job: one (run, seed) per JOB_COMPLETION_INDEX, ${m.tasks.length} in all`,
    '# (array/manifest.json says which). Completed indexes exit at once, so re-creating the Job redoes only what failed.',
    ...(dependent ? [`# Indexes ${indexRanges(m.tasks.filter((t) => t.wave > 0).map((t) => t.index))} start from runs of earlier indexes and wait for them.`] : []),
    'apiVersion: batch/v1',
    'kind: Job',
    'metadata:',
    `  name: ${q(`bwssl-${m.figure}-${m.scale}`)}`,
    '  labels:',
    '    app: blockwise-ssl',
    `    figure: ${q(m.figure)}`,
    `    scale: ${q(m.scale)}`,
    'spec:',
    '  completionMode: Indexed',
    `  completions: ${m.tasks.length}`,
    `  parallelism: ${r.parallel}`,
    `  backoffLimit: ${3 * m.tasks.length}`,
    '  template:',
    '    metadata:',
    '      labels:',
    '        app: blockwise-ssl',
    '    spec:',
    '      restartPolicy: Never',
    `      activeDeadlineSeconds: ${timeSeconds(r.time)}`,
    `      terminationGracePeriodSeconds: ${STOP_BEFORE_LIMIT_S}`,
    '      containers:',
    '        - name: reproduce',
    `          image: ${q(image)}`,
    `          command: [${q('blockwise-ssl')}]`,
    `          args: [${args.map(q).join(', ')}]`,
    '          env:',
    // The Job controller sets it too (unless declared); declared here, `$(JOB_COMPLETION_INDEX)` in args is defined on every version.
    '            - name: JOB_COMPLETION_INDEX',
    '              valueFrom:',
    '                fieldRef:',
    `                  fieldPath: ${q("metadata.annotations['batch.kubernetes.io/job-completion-index']")}`,
    '            - name: OMP_NUM_THREADS',
    `              value: ${q(String(r.cpus))}`,
    '          resources:',
    '            requests:',
    ...limits.map((l) => `              ${l}`),
    '            limits:',
    ...limits.map((l) => `              ${l}`),
    '          volumeMounts:',
    '            - name: runs',
    `              mountPath: ${q(mountPath)}`,
    '      volumes:',
    '        - name: runs',
    '          persistentVolumeClaim:',
    `            claimName: ${q(claim)}`,
    '',
  ].join('\n');
}
