// Runs async work over items with at most `jobs` in flight. The first failure aborts the rest
// (through `controller`) and is the one reported.
export async function runPool(items, jobs, work, controller) {
  let next = 0;
  let failure = null;
  const worker = async () => {
    while (failure === null && next < items.length) {
      const item = items[next++];
      try {
        await work(item);
      } catch (e) {
        if (failure === null) {
          failure = e;
          controller?.abort(e);
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, items.length)) }, worker));
  if (failure !== null) throw failure;
}
