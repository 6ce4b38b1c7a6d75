/**
 * sshd_config for one test host. Mirrors what an ECS image allows (root and
 * password logins, PAM) and is tuned for parallel tests on loopback.
 */

export interface SshdConfigInput {
  address: string;
  port: number;
  hostKeyPath: string;
}

export function renderSshdConfig({ address, port, hostKeyPath }: SshdConfigInput): string {
  return [
    `ListenAddress ${address}:${port}`,
    `HostKey ${hostKeyPath}`,
    "PidFile none",
    "UsePAM yes",
    "PasswordAuthentication yes",
    "PermitEmptyPasswords no",
    "KbdInteractiveAuthentication no",
    "PubkeyAuthentication yes",
    "PermitRootLogin yes",
    "AuthorizedKeysFile .ssh/authorized_keys",
    "StrictModes yes",
    "LoginGraceTime 20",
    "MaxStartups 100:30:200",
    "MaxSessions 50",
    "MaxAuthTries 10",
    "UseDNS no",
    "PrintMotd no",
    "PrintLastLog no",
    "X11Forwarding no",
    "AllowTcpForwarding no",
    "AllowAgentForwarding no",
    "PermitTunnel no",
    "PermitUserEnvironment no",
    "Subsystem sftp internal-sftp",
    // -e sends these to stderr, which the host keeps in memory. sshd never
    // logs passwords; VERBOSE adds key fingerprints and auth outcomes.
    "LogLevel VERBOSE",
    "",
  ].join("\n");
}
