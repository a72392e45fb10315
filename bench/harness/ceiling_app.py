"""The bare server of `ceiling.BareServer`, run in its own process:

    python -m harness.ceiling_app --port P --path /p (--body-file F | --echo-ok TEXT)

A Tornado app whose one handler does the least the endpoint must: send the same JSON body, or parse the
JSON body and answer {"ok": ...}. Same Tornado settings as server/app.py's make_app.
"""
import argparse
import asyncio
import json
import signal
import sys
from pathlib import Path

import tornado.web


def make_handler(body_file: str | None, echo_ok: str | None) -> type[tornado.web.RequestHandler]:
    if body_file:
        body = Path(body_file).read_bytes()

        class BodyHandler(tornado.web.RequestHandler):
            def get(self):
                self.set_header("Content-Type", "application/json; charset=UTF-8")
                self.set_header("Cache-Control", "no-store")
                self.finish(body)

        return BodyHandler

    class EchoOkHandler(tornado.web.RequestHandler):
        def get(self):
            self.finish(b"{}")

        def post(self):
            json.loads(self.request.body)
            self.set_header("Content-Type", "application/json; charset=UTF-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps({"ok": echo_ok}, ensure_ascii=False, separators=(",", ":")))

    return EchoOkHandler


async def serve(port: int, path: str, handler: type[tornado.web.RequestHandler]):
    tornado.web.Application([(path, handler)], compress_response=True).listen(
        port, "127.0.0.1", max_body_size=64 * 1024 * 1024, xheaders=False)
    await asyncio.Event().wait()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    bodies = parser.add_mutually_exclusive_group(required=True)
    bodies.add_argument("--body-file")
    bodies.add_argument("--echo-ok")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    asyncio.run(serve(args.port, args.path, make_handler(args.body_file, args.echo_ok)))
