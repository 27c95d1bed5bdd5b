// The compute worker (web/src/engine.rs). The page sends, first, the URL of the app's
// JavaScript glue (same origin) and its already compiled wasm module: this worker runs the
// same module, whose main() finds no window and starts answering jobs. Nothing else is
// fetched. Jobs that arrive while the module starts wait here and are replayed in order.
const early = [];
self.onmessage = async (first) => {
  self.onmessage = (e) => early.push(e);
  try {
    const glue = await import(first.data.js);
    await glue.default({ module_or_path: first.data.module });
  } catch (e) {
    self.postMessage({ failed: 'the worker could not start: ' + e });
    return;
  }
  for (const e of early) self.onmessage(e);
};
