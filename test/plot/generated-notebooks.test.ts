import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { FIGURE_IDS, preset } from '../../lib/experiments';

const ROOT = path.resolve(__dirname, '..', '..', '..');

interface GeneratedNotebook {
  name: string;
  figure: string;
  json: string;
}

const generator = require(path.join(ROOT, 'scripts', 'notebooks', 'generate-notebooks.js')) as { generateNotebooks: () => GeneratedNotebook[]; NOTEBOOKS: string };

describe('scripts/notebooks/generate-notebooks', () => {
  it('the committed notebooks are exactly what their texts beside the presets generate, one per notebook file', () => {
    const generated = generator.generateNotebooks();
    for (const nb of generated) {
      const file = path.join(generator.NOTEBOOKS, `${nb.name}.ipynb`);
      assert.ok(fs.existsSync(file), `${nb.name}.ipynb is missing (npm run notebooks:generate)`);
      assert.ok(fs.readFileSync(file, 'utf8') === nb.json, `${nb.name}.ipynb differs from its text in lib/experiments/figures/ (npm run notebooks:generate)`);
    }
    const committed = fs.readdirSync(generator.NOTEBOOKS).filter((f) => f.endsWith('.ipynb')).sort();
    assert.deepStrictEqual(committed, generated.map((n) => `${n.name}.ipynb`).sort(), 'every notebook is generated');
  });

  it('every figure has a notebook; every notebook names a figure, the preset probes what its figures show, and the parameters come first', () => {
    const generated = generator.generateNotebooks();
    for (const f of FIGURE_IDS) assert.ok(generated.some((n) => n.figure === f), `${f} has no notebook text`);
    for (const nb of generated) {
      assert.ok((FIGURE_IDS as readonly string[]).includes(nb.figure), `${nb.name}: ${nb.figure} is not a figure`);
      const json = JSON.parse(nb.json);
      const code = json.cells.filter((c: { cell_type: string }) => c.cell_type === 'code');
      assert.deepStrictEqual(code[0].metadata, { tags: ['parameters'] }, nb.name);
      const features = preset(nb.figure as (typeof FIGURE_IDS)[number], 'smoke').probe.features;
      for (const name of json.metadata.blockwise_ssl.figures as string[]) {
        const shown = /, (head|gsp) features$/.exec(name);
        if (shown) assert.ok((features as string[]).includes(shown[1]), `${nb.name}: '${name}' but the preset probes ${features}`);
      }
    }
  });
});
