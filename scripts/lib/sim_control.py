"""The simulator's control socket (homeostat-sim --control PATH): one JSON request per line, one
JSON reply per line. Shared by the demo's fault driver and the crash soak."""

import json
import socket


def sim_cmd(sock_path, cmd, timeout_s=5.0):
    """One request; the reply object ({} when the simulator closed without answering). Raises
    OSError when it cannot be reached and ValueError when the reply is not JSON."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout_s)
    try:
        s.connect(sock_path)
        s.sendall((json.dumps(cmd) + "\n").encode())
        buf = b""
        while not buf.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            buf += chunk
    finally:
        s.close()
    return json.loads(buf or b"{}")
