// Starts the wasm app. External (not inline) so the page's Content-Security-Policy
// needs no 'unsafe-inline'. File names come from data attributes Trunk writes.
const boot = document.getElementById('boot');
try {
  const mod = await import(boot.dataset.js);
  await mod.default({ module_or_path: boot.dataset.wasm });
  dispatchEvent(new CustomEvent('TrunkApplicationStarted'));
} catch (e) {
  const app = document.getElementById('app');
  if (app && !document.getElementById('panic')) {
    app.textContent = 'mpclens could not start: ' + e + '. It needs a browser with WebAssembly support.';
    app.setAttribute('role', 'alert');
  }
  console.error(e);
}
