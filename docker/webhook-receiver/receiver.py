"""A sample webhook receiver for docker compose: logs each event and deduplicates on event_id.

POST /api/iot/callback with the gateway's JSON envelope; answers with the contract's
{code, message, data} body. Standard library only.
"""
import json
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

seen = set()


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        try:
            event = json.loads(body)
        except ValueError:
            return self.answer(400, "body is not JSON", None)
        event_id = event.get("event_id")
        if not event_id or not event.get("event_type") or not event.get("device_id"):
            return self.answer(400, "Missing required fields", event_id)
        if event_id in seen:
            return self.answer(200, "Event already processed", event_id)
        seen.add(event_id)
        print(f"{event['event_type']} {event['device_id']} port={event.get('port_number')} {event_id}", flush=True)
        self.answer(200, "success", event_id)

    def answer(self, status, message, event_id):
        payload = json.dumps({"code": status, "message": message, "data": {"event_id": event_id}}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    HTTPServer(("0.0.0.0", int(os.environ.get("PORT", "3000"))), Receiver).serve_forever()
