// Runs blob transfers in the order and number the core's TransferSchedule decides (many small
// blobs at once, a few large ones, the largest first), instead of a fixed count in plan order.
// The first failure aborts the rest (through `controller`) and is the one reported.

/**
 * items: [{ size, ... }]; limits: { maxJobs, maxBytes }; work(item) -> Promise. Resolves when
 * every item's work has ended.
 */
export async function runScheduled(core, items, limits, work, controller) {
  const schedule = new core.TransferSchedule(limits);
  let failure = null;
  try {
    for (const item of items) schedule.add(item.size ?? 0);
    await new Promise((resolve) => {
      let running = 0;
      const pump = () => {
        const ids = failure === null ? schedule.start() : [];
        for (const id of ids) {
          running++;
          Promise.resolve()
            .then(() => work(items[id]))
            .catch((e) => {
              if (failure === null) {
                failure = e;
                controller?.abort(e);
              }
            })
            .finally(() => {
              running--;
              schedule.done(id);
              pump();
            });
        }
        // Nothing running and nothing started: all done, or stopped by a failure.
        if (running === 0) resolve();
      };
      pump();
    });
  } finally {
    schedule.delete();
  }
  if (failure !== null) throw failure;
}
