// A start the runtime refused, as dockerd translates it (moby daemon/start.go
// translateContainerdStartErr): the exit code the container records (127: the command is not there,
// 126: it cannot be run, as a shell would say) and whether the answer is a 400 (the user's command
// or configuration) rather than a 500. The docker CLI derives `docker run`'s own exit code from the
// message text, so the message is passed on unchanged except for dockerd's hint on ENOTDIR.
export interface StartFailure {
  message: string;
  exitCode: number;
  /** a command or configuration that cannot run: HTTP 400 */
  invalid: boolean;
}

export function translateStartError(cmd: string, message: string): StartFailure {
  const lower = message.toLowerCase();
  let f: StartFailure = { message, exitCode: 128, invalid: false };
  // (the command must be named: a missing file elsewhere, a bind mount's source say, is not 127)
  if (lower.includes(cmd.toLowerCase()) && (lower.includes('executable file not found') || lower.includes('no such file or directory'))) f = { message, exitCode: 127, invalid: true };
  if (lower.includes('permission denied')) f = { message, exitCode: 126, invalid: true };
  if (lower.includes('not a directory')) {
    f = { message: `${message}: Are you trying to mount a directory onto a file (or vice-versa)? Check if the specified host path exists and is the expected type`, exitCode: 127, invalid: true };
  }
  return f;
}
