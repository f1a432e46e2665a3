/**
 * A part started by `npm start` runs in its own process group with our stdin as a pipe from the
 * supervisor. When that pipe closes (the supervisor died, even by SIGKILL), stop gracefully.
 */
export function stopWhenSupervisorDies(): void {
  if (!process.env.BOOMERANG_SUPERVISED) return;
  process.stdin.resume();
  process.stdin.on('close', () => process.kill(process.pid, 'SIGTERM'));
}
