'use strict';
// Writes notebooks/<name>.ipynb from one template and each figure's notebook text, kept beside its preset in
// lib/experiments/figures/<file>.md (one .md per notebook):
//
//   node scripts/notebooks/generate-notebooks.js            write every notebook
//   node scripts/notebooks/generate-notebooks.js --check    exit 1 naming the notebooks that differ from their text
//
// A notebook text starts with a front matter (`notebook`: the file name, `id`: the prefix of the cell ids, `figure`:
// the FigureId, `figures`: the names of the figures it displays, which the notebook runner checks), then cells:
// - Markdown text is a markdown cell, up to the next code cell; `{{running}}`, `{{training}}`, `{{accuracy}}` and
//   `{{report}}` stand for the template's paragraphs below.
// - `<!-- code: NAME -->` is the template's code cell NAME: `parameters` (the scale, folders and seeds, from the
//   environment), `report` (`figureReport`: train or load, figures, tables, claims), or its steps `experiment`,
//   `accuracy` and `tables`, between which a figure's own cells go.
// - A fenced ```typescript block is a code cell of the figure's own (```typescript parameters: the parameters cell).
// `{{figure}}` in the template becomes the figure id.
const fs = require('fs');
const path = require('path');

const ROOT = path.resolve(__dirname, '..', '..');
const SOURCES = path.join(ROOT, 'lib', 'experiments', 'figures');
const NOTEBOOKS = path.join(ROOT, 'notebooks');

const MARKDOWN = {
  running:
    '**Running it.** The scale comes from the environment, `BLOCKWISE_SCALE` (the notebook runner sets it; opened by hand\n' +
    'the notebook runs at `smoke` scale). At `cpu` and `paper` scale it shows the saved results in `results/<scale>/{{figure}}/` when\n' +
    "the repository has them (committed by `scripts/reproduce/collect.sh`: each run's config, status, probe results, statistics\n" +
    'and training curve, no checkpoints) and trains nothing; `BLOCKWISE_RETRAIN=1` trains instead. Trained runs go to\n' +
    '`runs/{{figure}}-<scale>/` at the repository root (gitignored), the folder\n' +
    '`blockwise-ssl reproduce {{figure}} --scale <scale>` uses too: runs trained from the command line are plotted here without\n' +
    'training again. `runExperiment` reuses finished runs and their probe results, resumes stopped ones, and trains the rest;\n' +
    'set `retrain = true` to start over (smoke runs always retrain: they exist to exercise the pipeline).',
  training: 'Training and probing every run (skipped for runs the folder already holds; nothing trains when saved results were found):',
  accuracy:
    'The accuracy per block of the first linear probe, one figure per representation the preset probes: **head**, the\n' +
    "block's pooling-head output (the paper's probe input; its published numbers are the open diamonds), and **GSP**, the raw\n" +
    'block output averaged over positions (at CPU scale the cleaner measure, since a random CbE head alone probes well). Lines are\n' +
    'the mean over seeds, error bars one standard deviation (none with one seed).',
};
MARKDOWN.report =
  'Training and probing every run (skipped for runs the folder already holds; nothing trains when saved results were found),\n' +
  'then the accuracy per block of the first linear probe, one figure per representation the preset probes: **head**, the\n' +
  "block's pooling-head output (the paper's probe input; its published numbers are the open diamonds), and **GSP**, the raw\n" +
  'block output averaged over positions (at CPU scale the cleaner measure, since a random CbE head alone probes well). Lines are\n' +
  'the mean over seeds, error bars one standard deviation (none with one seed). Tables of every probe follow, and the verdicts\n' +
  "on the paper's claims that this figure tests, where it tests any.";

// `scale: scale`, not `scale`: tslab does not resolve a shorthand property to a variable of an earlier cell.
const CODE = {
  parameters: [
    "import { savedExperimentDir, Scale } from 'blockwise-ssl';",
    '',
    '// Parameters (the notebook runner sets BLOCKWISE_SCALE; opened by hand it runs at smoke scale).',
    "const scale = (process.env.BLOCKWISE_SCALE ?? 'smoke') as Scale;",
    '// The experiment folder, shared with `blockwise-ssl reproduce {{figure}} --scale <scale>` (runs/ is gitignored).',
    'const outDir = `../runs/{{figure}}-${scale}`;',
    '// true: delete the folder and train every run again; false: reuse finished runs (smoke runs take seconds: always retrain).',
    "const retrain = scale === 'smoke';",
    "// Seeds every run is trained with (mean and std over them in the figures); null: the preset's (one seed).",
    'const seeds: number[] | null = null;',
    '// Saved results to show instead of training: above smoke scale, results/<scale>/{{figure}}/ when it holds a results.csv',
    '// (committed, no checkpoints; BLOCKWISE_RESULTS replaces results/); null (train) with retrain or BLOCKWISE_RETRAIN=1.',
    "const saved = savedExperimentDir(process.env.BLOCKWISE_RESULTS ?? '../results', '{{figure}}', scale, {",
    "  retrain: retrain || process.env.BLOCKWISE_RETRAIN === '1',",
    '});',
  ].join('\n'),
  report: [
    "import { figureReport } from 'blockwise-ssl';",
    '',
    '// The backend, the preset and its runs, training progress, the figures and the tables. p (the preset as it ran) and',
    '// summary (every run and probe row) stay for cells of your own.',
    "const { preset: p, summary } = await figureReport('{{figure}}', { scale: scale, outDir: outDir, retrain: retrain, seeds: seeds, saved: saved });",
  ].join('\n'),
  experiment: [
    "import { figureExperiment } from 'blockwise-ssl';",
    '',
    '// The backend, the preset and its runs, training progress; p (the preset as it ran) and summary feed the cells below.',
    "const experiment = await figureExperiment('{{figure}}', { scale: scale, outDir: outDir, retrain: retrain, seeds: seeds, saved: saved });",
    'const { preset: p, summary } = experiment;',
  ].join('\n'),
  accuracy: ["import { showBlockAccuracy } from 'blockwise-ssl';", '', 'await showBlockAccuracy(experiment);'].join('\n'),
  tables: [
    "import { showAccuracyTables } from 'blockwise-ssl';",
    '',
    "// Top-1 (%) per run and block for every representation and probe, every probe's mean over seeds, the claims' verdicts.",
    'showAccuracyTables(experiment);',
  ].join('\n'),
};

/** The front matter's fields and the body of a notebook text. */
function parseFrontMatter(text, file) {
  const m = /^---\n([\s\S]*?)\n---\n/.exec(text);
  if (!m) throw new Error(`${file}: no front matter (--- ... ---)`);
  const fields = {};
  let list = null;
  for (const line of m[1].split('\n')) {
    const item = /^ {2}- (.*)$/.exec(line);
    if (item && list) list.push(item[1]);
    else {
      const kv = /^(\w+):(?: (.*))?$/.exec(line);
      if (!kv) throw new Error(`${file}: front matter line '${line}' is neither 'key: value' nor '  - item'`);
      fields[kv[1]] = kv[2] === undefined ? (list = []) : kv[2];
      if (kv[2] !== undefined) list = null;
    }
  }
  for (const key of ['notebook', 'id', 'figure', 'figures']) if (fields[key] === undefined) throw new Error(`${file}: front matter has no '${key}'`);
  return { fields, body: text.slice(m[0].length) };
}

const fill = (s, figure) => s.replace(/\{\{figure\}\}/g, figure);

/** The cells of a notebook text's body: { type, source, tags }. */
function parseCells(body, figure, file) {
  const cells = [];
  let markdown = [];
  const flush = () => {
    const text = markdown.join('\n').replace(/^\n+|\n+$/g, '');
    if (text !== '') {
      cells.push({
        type: 'markdown',
        source: text.replace(/\{\{(\w+)\}\}/g, (all, name) => {
          if (name === 'figure') return figure;
          if (MARKDOWN[name] === undefined) throw new Error(`${file}: unknown paragraph {{${name}}} (one of ${Object.keys(MARKDOWN).join(', ')})`);
          return fill(MARKDOWN[name], figure);
        }),
      });
    }
    markdown = [];
  };
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const template = /^<!-- code: (\w+) -->$/.exec(lines[i]);
    const fence = /^```typescript(?: (.*))?$/.exec(lines[i]);
    if (template) {
      flush();
      const name = template[1];
      if (CODE[name] === undefined) throw new Error(`${file}: unknown code cell '${name}' (one of ${Object.keys(CODE).join(', ')})`);
      cells.push({ type: 'code', source: fill(CODE[name], figure), tags: name === 'parameters' ? ['parameters'] : [] });
    } else if (fence) {
      flush();
      const code = [];
      for (i++; i < lines.length && lines[i] !== '```'; i++) code.push(lines[i]);
      if (i === lines.length) throw new Error(`${file}: a \`\`\`typescript block is not closed`);
      cells.push({ type: 'code', source: code.join('\n'), tags: fence[1] ? fence[1].split(' ') : [] });
    } else markdown.push(lines[i]);
  }
  flush();
  return cells;
}

/** Jupyter's line list: every line keeps its newline but the last. */
const sourceLines = (s) => s.split('\n').map((l, i, all) => (i < all.length - 1 ? `${l}\n` : l)).filter((l) => l !== '');

/** The notebook a text describes: { name, figure, json } (json: the file's content). */
function notebookOf(file) {
  const { fields, body } = parseFrontMatter(fs.readFileSync(file, 'utf8'), path.relative(ROOT, file));
  const cells = parseCells(body, fields.figure, path.relative(ROOT, file)).map((c, i) => {
    const id = `${fields.id}-${String(i).padStart(2, '0')}`;
    if (c.type === 'markdown') return { cell_type: 'markdown', id, metadata: {}, source: sourceLines(c.source) };
    return { cell_type: 'code', id, metadata: c.tags.length > 0 ? { tags: c.tags } : {}, execution_count: null, outputs: [], source: sourceLines(c.source) };
  });
  const nb = {
    cells,
    metadata: {
      blockwise_ssl: { experiment: fields.figure, figures: fields.figures },
      kernelspec: { display_name: 'TypeScript (blockwise-ssl)', language: 'typescript', name: 'blockwise-ssl' },
      language_info: { name: 'typescript' },
    },
    nbformat: 4,
    nbformat_minor: 5,
  };
  return { name: fields.notebook, figure: fields.figure, json: `${JSON.stringify(nb, null, 1)}\n` };
}

/** Every notebook the texts in lib/experiments/figures describe, by file name. */
function generateNotebooks(sources = SOURCES) {
  const notebooks = fs
    .readdirSync(sources)
    .filter((f) => f.endsWith('.md'))
    .sort()
    .map((f) => notebookOf(path.join(sources, f)));
  const names = notebooks.map((n) => n.name);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new Error(`generate-notebooks: two texts describe notebooks/${twice}.ipynb`);
  return notebooks;
}

function main(argv) {
  const check = argv.includes('--check');
  const stale = [];
  for (const nb of generateNotebooks()) {
    const file = path.join(NOTEBOOKS, `${nb.name}.ipynb`);
    const current = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : null;
    if (current === nb.json) continue;
    if (check) stale.push(path.relative(ROOT, file));
    else {
      fs.writeFileSync(file, nb.json);
      console.log(`wrote ${path.relative(ROOT, file)}`);
    }
  }
  if (stale.length > 0) {
    console.error(`generate-notebooks: ${stale.join(', ')} differ from their text in lib/experiments/figures/ (npm run notebooks:generate)`);
    return 1;
  }
  return 0;
}

module.exports = { generateNotebooks, NOTEBOOKS, SOURCES };

if (require.main === module) process.exitCode = main(process.argv.slice(2));
