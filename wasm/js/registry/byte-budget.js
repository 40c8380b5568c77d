// A budget of bytes shared by concurrent jobs (blobs read whole into memory): reserve(n) resolves
// true once n bytes are free, first come first served, or false at once for more than the whole
// budget; release(n) gives them back and wakes whoever waits.
export function byteBudget(total) {
  let free = total;
  const waiting = [];
  const wake = () => {
    while (waiting.length && waiting[0].n <= free) {
      const w = waiting.shift();
      free -= w.n;
      w.resolve(true);
    }
  };
  return {
    async reserve(n) {
      if (n > total) return false;
      if (!waiting.length && n <= free) {
        free -= n;
        return true;
      }
      return new Promise((resolve) => waiting.push({ n, resolve }));
    },
    release(n) {
      free += n;
      wake();
    },
    get free() {
      return free;
    },
    total,
  };
}
