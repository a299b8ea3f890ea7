"""A sample webhook receiver for docker compose: verifies the signature, logs each event, deduplicates on event_id.

POST /api/iot/callback with the gateway's JSON envelope; answers with the contract's
{code, message, data} body. With WEBHOOK_SECRET (whsec_<base64>) set, requests whose Standard Webhooks
signature does not match, or whose timestamp is more than 5 minutes off, are refused with 401.
Standard library only.
"""
import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

seen = set()
SECRET = os.environ.get("WEBHOOK_SECRET", "")
TOLERANCE_SECONDS = 300


def signature_ok(headers, body):
    """Standard Webhooks: v1,base64(HMAC-SHA256(key, id.timestamp.body)); any one of the listed signatures."""
    msg_id, timestamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not msg_id or not timestamp.isdigit() or abs(time.time() - int(timestamp)) > TOLERANCE_SECONDS:
        return False
    key = base64.b64decode(SECRET.removeprefix("whsec_"))
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()).decode()
    return any(hmac.compare_digest(s.removeprefix("v1,"), expected)
               for s in headers.get("webhook-signature", "").split(" ") if s.startswith("v1,"))


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if SECRET and not signature_ok(self.headers, body):
            return self.answer(401, "bad signature", None)
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
