import { parentPort } from 'worker_threads';
import { Rng } from '../nn/rng';
import { fusedTwoViews } from './augmentations/fused-view';
import type { ViewRequest, ViewReply } from './view-maker';

/**
 * The worker-thread side of `ViewMaker`: makes the two views of each batch it is sent (`fusedTwoViews`, seeded
 * by the request) and hands the arrays back without copying them.
 */
parentPort?.on('message', (request: ViewRequest) => {
  let reply: ViewReply;
  try {
    const views = fusedTwoViews(request.pixels, request.shape, request.recipe, new Rng(request.seed));
    reply = { id: request.id, views };
    parentPort!.postMessage(reply, [views[0].buffer, views[1].buffer]);
  } catch (e) {
    reply = { id: request.id, error: e instanceof Error ? e.message : String(e) };
    parentPort!.postMessage(reply);
  }
});
