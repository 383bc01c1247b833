// Certificates for the remote-access tests, made with openssl as Docker's "Protect the Docker daemon
// socket" guide makes them: a CA, a server certificate for 127.0.0.1/localhost, a client
// certificate; and a second, unrelated CA with its own client certificate.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export interface TestCerts {
  dir: string;
  /** the daemon's files: --tlscacert --tlscert --tlskey */
  server: { ca: string; cert: string; key: string };
  /** a DOCKER_CERT_PATH directory (ca.pem cert.pem key.pem) with the good client certificate */
  clientDir: string;
  /** the same layout with a client certificate from the other CA (and the right ca.pem) */
  foreignDir: string;
}

function openssl(cwd: string, args: string[]): void {
  const r = spawnSync('openssl', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr}`);
}

function ca(dir: string, name: string): void {
  openssl(dir, ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`, '-keyout', `${name}-key.pem`, '-out', `${name}.pem`]);
}

function signed(dir: string, caName: string, name: string, ext: string): void {
  fs.writeFileSync(path.join(dir, `${name}.ext`), ext);
  openssl(dir, ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}-key.pem`, '-out', `${name}.csr`]);
  openssl(dir, ['x509', '-req', '-days', '2', '-in', `${name}.csr`, '-CA', `${caName}.pem`, '-CAkey', `${caName}-key.pem`, '-CAcreateserial', '-out', `${name}-cert.pem`, '-extfile', `${name}.ext`]);
}

export function makeTestCerts(): TestCerts {
  const dir = fs.mkdtempSync('/tmp/berth-tls-');
  ca(dir, 'ca');
  ca(dir, 'otherca');
  signed(dir, 'ca', 'server', 'subjectAltName = DNS:localhost,IP:127.0.0.1\nextendedKeyUsage = serverAuth\n');
  signed(dir, 'ca', 'client', 'extendedKeyUsage = clientAuth\n');
  signed(dir, 'otherca', 'foreign', 'extendedKeyUsage = clientAuth\n');
  const layout = (sub: string, who: string) => {
    const d = path.join(dir, sub);
    fs.mkdirSync(d);
    fs.copyFileSync(path.join(dir, 'ca.pem'), path.join(d, 'ca.pem'));
    fs.copyFileSync(path.join(dir, `${who}-cert.pem`), path.join(d, 'cert.pem'));
    fs.copyFileSync(path.join(dir, `${who}-key.pem`), path.join(d, 'key.pem'));
    return d;
  };
  return {
    dir,
    server: { ca: path.join(dir, 'ca.pem'), cert: path.join(dir, 'server-cert.pem'), key: path.join(dir, 'server-key.pem') },
    clientDir: layout('client', 'client'),
    foreignDir: layout('foreign', 'foreign'),
  };
}
