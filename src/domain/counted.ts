/** A count with its noun in the number it takes: "1 journey", "0 journeys", "3 running journeys". */
export function counted(n: number, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
