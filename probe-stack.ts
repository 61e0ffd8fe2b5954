import { startStack } from './scripts/lib/stack';
(async () => {
  const t0 = Date.now(); const m = (s: string) => console.log(((Date.now() - t0) / 1000).toFixed(1), s);
  const stack = await startStack({ timeScale: Number(process.env.TS ?? 0.05) }); m('stack');
  const w = await stack.startWorker(); m('worker');
  const r = await stack.cli(['start', '900']); m('cli start ' + r.code);
  await w.stop(); m('worker stopped');
  console.log(w.output().slice(-1500));
  await stack.stop(); m('stopped');
})();
