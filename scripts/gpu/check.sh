#!/usr/bin/env bash
# The GPU route on a CUDA machine, checked in one go (README, "GPU"):
#   1. the NVIDIA driver, the GPUs and their compute capability, the CUDA version of the driver and of nvcc;
#   2. where the dynamic loader finds each CUDA 11 / cuDNN 8 library libtensorflow 2.9.1 opens (or that it does not);
#   3. which backend initBackend() picks, and why the better ones were skipped;
#   4. `npm run bench` (the CPU routes and PyTorch on this machine, for reference);
#   5. 10 training steps of the paper preset's model (bench/paper-step.ts: ResNet-50, CbE heads, 8192 projectors,
#      random 224 x 224 images) on the chosen backend;
# then writes OUT/summary.json. Steps 4 and 5 run only when the backend is tensorflow-gpu (--force runs them anyway).
#
#   scripts/gpu/check.sh [--out DIR] [--steps 10] [--batch 32] [--force] [--no-bench]
#
# Needs `npm ci`, `npm run build` and `npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0` (with the CUDA 11.2
# libraries of the README's recipe on LD_LIBRARY_PATH). Exit status: 0 when the GPU backend trained the steps, 2 when
# no GPU backend was usable (the summary says why), 1 when a step failed.
set -uo pipefail
cd "$(dirname "$0")/../.."

out=.gpu-check steps=10 batch=32 force=0 bench=1
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out=$2; shift 2 ;;
    --steps) steps=$2; shift 2 ;;
    --batch) batch=$2; shift 2 ;;
    --force) force=1; shift ;;
    --no-bench) bench=0; shift ;;
    *) echo "check.sh: unknown option $1 (see the head of $0)" >&2; exit 64 ;;
  esac
done
mkdir -p "$out"
out=$(cd "$out" && pwd)
[ -f dist/lib/index.js ] || { echo "check.sh: dist/ is missing: run npm ci && npm run build" >&2; exit 1; }

section() { printf '\n== %s\n' "$1"; }

section "driver and GPUs"
if command -v nvidia-smi >/dev/null 2>&1; then
  nvidia-smi --query-gpu=index,name,driver_version,compute_cap,memory.total --format=csv,noheader | tee "$out/gpus.csv"
  nvidia-smi | sed -n 's/.*CUDA Version: *\([0-9.]*\).*/\1/p' | head -n 1 > "$out/driver-cuda.txt"
  echo "CUDA version of the driver: $(cat "$out/driver-cuda.txt")"
  if awk -F', ' '$4 + 0 >= 9.0 { found = 1 } END { exit !found }' "$out/gpus.csv"; then
    echo "Hopper or newer (compute capability 9.0+): libtensorflow 2.9.1 has no kernels built for it and runs through PTX JIT"
    echo "(the first steps compile them; CUDA_CACHE_MAXSIZE=4294967296 keeps the compiled kernels between runs)"
  fi
else
  echo "no nvidia-smi: no NVIDIA driver on this machine"
  : > "$out/gpus.csv"
  : > "$out/driver-cuda.txt"
fi
if command -v nvcc >/dev/null 2>&1; then nvcc --version | tail -n 2 | tee "$out/nvcc.txt"; else echo "no nvcc (not needed: libtensorflow needs the runtime libraries only)"; : > "$out/nvcc.txt"; fi

section "CUDA 11 / cuDNN 8 libraries (what libtensorflow 2.9.1 opens)"
ldcache=$( (ldconfig -p || /sbin/ldconfig -p) 2>/dev/null)
: > "$out/libraries.tsv"
for lib in libcudart.so.11.0 libcublas.so.11 libcublasLt.so.11 libcufft.so.10 libcurand.so.10 libcusolver.so.11 libcusparse.so.11 libcudnn.so.8; do
  where=""
  IFS=: read -ra dirs <<< "${LD_LIBRARY_PATH:-}"
  for d in "${dirs[@]}"; do [ -n "$d" ] && [ -e "$d/$lib" ] && { where="$d/$lib"; break; }; done
  [ -z "$where" ] && where=$(printf '%s\n' "$ldcache" | awk -v l="$lib" '$1 == l { print $NF; exit }')
  printf '%s\t%s\n' "$lib" "${where:-missing}" | tee -a "$out/libraries.tsv"
done
installed_gpu=$(node -p "require('@tensorflow/tfjs-node-gpu/package.json').version" 2>/dev/null || echo "")
echo "@tensorflow/tfjs-node-gpu: ${installed_gpu:-not installed (npm install --no-save @tensorflow/tfjs-node-gpu@4.22.0)}"

section "backend"
node -e "require('./dist/lib/backend').initBackend().then((r) => console.log(JSON.stringify(r)), (e) => { console.error(e.message); process.exit(1); })" \
  > "$out/backend.json" 2> "$out/backend.log"
cat "$out/backend.log"
backend=$(node -p "JSON.parse(require('fs').readFileSync('$out/backend.json', 'utf8').trim().split('\n').pop()).backend" 2>/dev/null || echo "")
node -p "require('./dist/lib/backend').describeBackend(JSON.parse(require('fs').readFileSync('$out/backend.json', 'utf8').trim().split('\n').pop()))" 2>/dev/null || echo "initBackend failed (see above)"

run_gpu_steps=0
if [ "$backend" = tensorflow-gpu ] || [ "$force" = 1 ]; then run_gpu_steps=1; fi
bench_rc=skipped paper_rc=skipped
if [ "$run_gpu_steps" = 1 ] && [ "$bench" = 1 ]; then
  section "npm run bench"
  npm run --silent bench -- --tasks resnet,blockwise-bt --steps 10 --bt-steps 3 --routes native 2>&1 | tee "$out/bench.md"
  bench_rc=${PIPESTATUS[0]}
fi
if [ "$run_gpu_steps" = 1 ]; then
  section "$steps steps of the paper preset's model, batch $batch"
  node dist/bench/paper-step.js --steps "$steps" --batch "$batch" 2>&1 | tee "$out/paper-steps.log"
  paper_rc=${PIPESTATUS[0]}
else
  echo
  echo "bench and paper steps skipped: the backend is '${backend:-none}', not tensorflow-gpu (--force runs them anyway)"
fi

section "summary"
OUT_DIR=$out BACKEND=$backend TFJS_NODE_GPU=$installed_gpu BENCH_RC=$bench_rc PAPER_RC=$paper_rc STEPS=$steps BATCH=$batch node - <<'JS'
const fs = require('fs');
const path = require('path');
const e = process.env;
const read = (f) => (fs.existsSync(path.join(e.OUT_DIR, f)) ? fs.readFileSync(path.join(e.OUT_DIR, f), 'utf8').trim() : '');
const gpus = read('gpus.csv').split('\n').filter(Boolean).map((l) => {
  const [index, name, driver, computeCapability, memory] = l.split(', ');
  return { index: Number(index), name, driver, computeCapability, memory };
});
const libraries = Object.fromEntries(read('libraries.tsv').split('\n').filter(Boolean).map((l) => {
  const [lib, where] = l.split('\t');
  return [lib, where === 'missing' ? null : where];
}));
let backend = null;
try { backend = JSON.parse(read('backend.json').split('\n').pop()); } catch { /* initBackend failed: backend.log says why */ }
const stepLines = read('paper-steps.log').split('\n').map((l) => l.match(/^step (\d+): ([\d.]+) s/)).filter(Boolean);
const rc = (v) => (v === 'skipped' ? null : Number(v));
const status = e.BACKEND !== 'tensorflow-gpu' ? 'no-gpu-backend' : rc(e.PAPER_RC) === 0 && stepLines.length === Number(e.STEPS) ? 'ok' : 'failed';
const summary = {
  date: new Date().toISOString(),
  status,
  gpus,
  driverCudaVersion: read('driver-cuda.txt') || null,
  nvcc: read('nvcc.txt') || null,
  tfjsNodeGpu: e.TFJS_NODE_GPU || null,
  cuda11Libraries: libraries,
  missingCuda11Libraries: Object.keys(libraries).filter((k) => libraries[k] === null),
  backend,
  backendLog: read('backend.log') || null,
  bench: { exitCode: rc(e.BENCH_RC), table: read('bench.md') || null },
  paperSteps: { exitCode: rc(e.PAPER_RC), batch: Number(e.BATCH), secondsPerStep: stepLines.map((m) => Number(m[2])) },
};
fs.writeFileSync(path.join(e.OUT_DIR, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
console.log(`${status}; ${path.join(e.OUT_DIR, 'summary.json')}`);
process.exit(status === 'ok' ? 0 : status === 'no-gpu-backend' ? 2 : 1);
JS
