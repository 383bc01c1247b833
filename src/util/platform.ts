// Platform names as Go (and so Docker, registries and image configs) spell them.

const GO_ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

/** This host's architecture as GOARCH names it ("amd64", "arm64", ...). */
export function goArch(): string {
  return GO_ARCH[process.arch] ?? process.arch;
}

/** The names people use for an architecture, as Docker's platform parser normalizes them ("x86_64" → "amd64"). */
export function normalizeArch(arch: string): string {
  return arch === 'x86_64' || arch === 'x86-64' ? 'amd64' : arch === 'aarch64' ? 'arm64' : arch;
}
