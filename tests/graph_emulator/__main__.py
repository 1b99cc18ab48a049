"""Run the Graph emulator on its own, for trying the SharePoint integration locally without a tenant."""
import argparse
import time

from tests.graph_emulator.server import GraphEmulator


def main() -> None:
    parser = argparse.ArgumentParser(description="A local Microsoft Graph emulator (SharePoint document libraries).")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    emulator = GraphEmulator(args.host, args.port).start()
    print(f"Graph base URL:   {emulator.base_url}")
    print(f"Sign-in authority: {emulator.origin}  (any tenant, client id and secret get a token)")
    print(f"Fault switches:    {emulator.origin}/_emulator/faults  (POST, GET, DELETE; loopback clients only)")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        emulator.stop()


if __name__ == "__main__":
    main()
