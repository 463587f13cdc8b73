"""A minimal FTP server and client (RFC 959), run inside the test's namespaces.

``python ftp_peer.py serve ADDRESS`` answers USER, PASS, TYPE, PASV, PORT, RETR and QUIT on
ADDRESS:21 and sends a fixed file; active data connections come from port 20, as RFC 959 has
it. ``python ftp_peer.py fetch ADDRESS passive|active`` fetches the file with the standard
library's ftplib and prints ``ok <bytes>`` or ``failed <reason>``.
"""

from __future__ import annotations

import ftplib
import socket
import socketserver
import sys

PAYLOAD = b"portplan ftp data\n" * 512


class Control(socketserver.StreamRequestHandler):
    def reply(self, text: str) -> None:
        self.wfile.write(f"{text}\r\n".encode())

    def handle(self) -> None:
        self.reply("220 ready")
        passive: socket.socket | None = None
        active: tuple[str, int] | None = None
        for raw in self.rfile:
            command, _, argument = raw.decode().strip().partition(" ")
            command = command.upper()
            if command == "PASV":
                passive = socket.create_server((self.server.server_address[0], 0))
                host, port = passive.getsockname()[:2]
                numbers = host.replace(".", ",") + f",{port // 256},{port % 256}"
                self.reply(f"227 Entering Passive Mode ({numbers})")
            elif command == "PORT":
                parts = argument.split(",")
                active = (".".join(parts[:4]), int(parts[4]) * 256 + int(parts[5]))
                self.reply("200 PORT command successful")
            elif command == "RETR":
                self.reply("150 Opening data connection")
                data = self.data_connection(passive, active)
                data.sendall(PAYLOAD)
                data.close()
                self.reply("226 Transfer complete")
            elif command == "QUIT":
                self.reply("221 Bye")
                return
            else:  # USER, PASS, TYPE
                self.reply({"USER": "331 Password", "PASS": "230 Logged in"}.get(command, "200 OK"))

    def data_connection(
        self, passive: socket.socket | None, active: tuple[str, int] | None
    ) -> socket.socket:
        if passive is not None:
            passive.settimeout(5)
            connection, _ = passive.accept()
            passive.close()
            return connection
        assert active is not None
        data = socket.socket()
        data.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        data.bind((self.server.server_address[0], 20))  # RFC 959: the server's data port
        data.settimeout(5)
        data.connect(active)
        return data


def serve(address: str) -> None:
    socketserver.ThreadingTCPServer.allow_reuse_address = True
    with socketserver.ThreadingTCPServer((address, 21), Control) as server:
        print("ready", flush=True)
        server.serve_forever()


def fetch(address: str, mode: str) -> None:
    received = bytearray()
    try:
        with ftplib.FTP(address, timeout=4) as client:
            client.login("anonymous", "test@example.com")
            client.set_pasv(mode == "passive")
            client.retrbinary("RETR file", received.extend)
    except (OSError, ftplib.Error) as exc:
        print(f"failed {exc.__class__.__name__}: {exc}")
        return
    print(f"ok {len(received)}" if bytes(received) == PAYLOAD else f"failed {len(received)}")


if __name__ == "__main__":
    if sys.argv[1] == "serve":
        serve(sys.argv[2])
    else:
        fetch(sys.argv[2], sys.argv[3])
