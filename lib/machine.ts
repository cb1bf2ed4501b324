import { cpus, totalmem } from 'node:os';

/** What every benchmark prints beside its numbers: results mean little without the machine. */
export function machineInfo(): {
  cores: number;
  cpu: string;
  memoryGiB: number;
  node: string;
  platform: string;
} {
  const list = cpus();
  return {
    cores: list.length,
    cpu: list[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
  };
}

/** One line for the top of a benchmark's table. */
export function machineLine(): string {
  const m = machineInfo();
  return `machine: ${m.cores} cores (${m.cpu}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}`;
}
