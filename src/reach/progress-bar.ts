// The progress bar of a long matrix on stderr: only on a terminal (a pipe or a file gets nothing), redrawn in
// place when the percentage moves, erased at the end so that nothing is left between the output lines.

export interface ProgressStream {
  isTTY?: boolean;
  write(text: string): unknown;
}

export interface ProgressBar {
  tick(done: number): void;
  end(): void;
}

const WIDTH = 30;

export function progressBar(stream: ProgressStream, total: number, label: string, quiet = false): ProgressBar {
  const on = stream.isTTY === true && !quiet && total > 1;
  let last = -1;
  let drawn = false;
  return {
    tick: (done) => {
      if (!on) return;
      const pct = Math.floor((done * 100) / total);
      if (pct === last) return;
      last = pct;
      drawn = true;
      const fill = Math.round((done * WIDTH) / total);
      stream.write(`\r${label} [${'#'.repeat(fill)}${'.'.repeat(WIDTH - fill)}] ${done}/${total} cells`);
    },
    end: () => {
      if (drawn) stream.write('\r\x1b[K');
    },
  };
}
