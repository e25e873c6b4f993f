import { Rng } from '../nn/rng';
import { ImageDataset, subset } from './dataset';
import { shuffledIndices } from './shuffle';

/** Options of `trainValidationSplit`. */
export interface SplitOptions {
  /** Fraction of each class (or of the whole set, when not stratified) held out for validation. Default 0.1. */
  validationFraction?: number;
  /** Seed of the split; the same seed carves the same split on every machine. Default 0. */
  seed?: number;
  /** Hold out the same fraction of every class (default), so both parts keep the class balance. */
  stratified?: boolean;
}

/**
 * Carves a validation set out of a training set, reproducibly from a seed (CIFAR-10 from its JPEG tarball
 * ships no test split, and model selection must not look at the test split anyway). Both parts list their
 * images in increasing index order, so reads from a disk cache stay close to sequential.
 */
export function trainValidationSplit(
  dataset: ImageDataset,
  { validationFraction = 0.1, seed = 0, stratified = true }: SplitOptions = {},
): { train: ImageDataset; validation: ImageDataset } {
  if (!(validationFraction > 0 && validationFraction < 1)) {
    throw new Error(`trainValidationSplit: validationFraction must be in (0, 1), got ${validationFraction}`);
  }
  const rng = new Rng(seed);
  const groups: number[][] = stratified ? dataset.classNames.map(() => []) : [[]];
  for (let i = 0; i < dataset.size; i++) groups[stratified ? dataset.labels[i] : 0].push(i);
  const held = new Uint8Array(dataset.size);
  for (const members of groups) {
    const order = shuffledIndices(members.length, rng);
    const take = Math.round(validationFraction * members.length);
    for (let k = 0; k < take; k++) held[members[order[k]]] = 1;
  }
  const train: number[] = [];
  const validation: number[] = [];
  for (let i = 0; i < dataset.size; i++) (held[i] ? validation : train).push(i);
  if (train.length === 0 || validation.length === 0) {
    throw new Error(
      `trainValidationSplit: ${dataset.name} (${dataset.size} images) split at fraction ${validationFraction} leaves an empty part`,
    );
  }
  return {
    train: subset(dataset, train, `${dataset.name}:train-part`),
    validation: subset(dataset, validation, `${dataset.name}:validation-part`),
  };
}
