#!/usr/bin/env python3
"""Record golden.json: the replies of dynalite to every step of cases.json.

Usage (from the repository root):

    python3 protocol/dynamodb/testdata/differential/record.py [--dynalite PATH/TO/cli.js] [--timeout SECONDS]

Python 3 standard library only. The script

  * starts dynalite (default /tmp/peer/node_modules/dynalite/cli.js, or
    $DYNALITE_CLI) with `node` on a free 127.0.0.1 port, with
    --createTableMs 0 --deleteTableMs 0 --updateTableMs 0;
  * runs the scenarios of cases.json in order, the steps of a scenario in
    order (every scenario must leave no table behind; this is checked);
  * after a successful CreateTable/UpdateTable it polls DescribeTable (not
    recorded) until the table and its GSIs are ACTIVE, and after a
    successful DeleteTable until the table is gone, so that a step never
    sees dynalite's transient CREATING/UPDATING/DELETING states;
  * stops dynalite by the PID it started, and gives up after --timeout
    seconds overall (default 600);
  * writes golden.json next to this script.

golden.json holds, for every step: the HTTP status; for error replies the
__type, which message member was present ("message", "Message" or none)
and its text; for 200 replies the reply JSON after stripping (below).

Stripping (the "strip" section of golden.json, which the Go test reads and
applies to its own replies in the same way). Only inside the top-level
"Table" and "TableDescription" objects of a reply, at any depth:
  * removed because they vary from run to run: CreationDateTime, TableId,
    LastIncreaseDateTime, LastDecreaseDateTime,
    LastUpdateToPayPerRequestDateTime, LatestStreamLabel, LatestStreamArn;
  * removed because dynalite does not model DynamoDB there:
    DeletionProtectionEnabled and WarmThroughput (DynamoDB returns them,
    dynalite never does), TableThroughputModeSummary (dynalite-only
    member, not part of the DynamoDB API);
  * TableArn and IndexArn: the region and account are replaced by REGION
    and ACCOUNT ("arn:aws:dynamodb:REGION:ACCOUNT:table/...").
Request IDs and CRC32 checksums are headers and are not recorded.

Bodies: a step's "body" is sent as JSON; a string body is sent as is
(deliberately malformed requests). Inside bodies a string of the form
"$repeat:<count>:<unit>" stands for <unit> repeated <count> times (long
key and item values), and is expanded before sending.
"""

import argparse
import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = os.path.join(HERE, "cases.json")
GOLDEN = os.path.join(HERE, "golden.json")
DEFAULT_CLI = "/tmp/peer/node_modules/dynalite/cli.js"

AUTH = ("AWS4-HMAC-SHA256 Credential=AKID/20260101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=host;x-amz-date, Signature=abc")

STRIP = {
    "doc": "Applied to 200 replies before comparison, only inside the top-level 'Table' and "
           "'TableDescription' objects (at any depth): 'remove' keys are deleted, 'arn_keys' values "
           "have their region and account replaced by REGION and ACCOUNT.",
    "scopes": ["Table", "TableDescription"],
    "remove": {
        "CreationDateTime": "volatile",
        "TableId": "volatile",
        "LastIncreaseDateTime": "volatile",
        "LastDecreaseDateTime": "volatile",
        "LastUpdateToPayPerRequestDateTime": "volatile",
        "LatestStreamLabel": "volatile",
        "LatestStreamArn": "volatile",
        "DeletionProtectionEnabled": "not modelled by dynalite (DynamoDB returns it)",
        "WarmThroughput": "not modelled by dynalite (DynamoDB returns it)",
        "TableThroughputModeSummary": "dynalite-only member, not in the DynamoDB API",
        "ItemCount": "deliberate: dynacache reports live counts (as DynamoDB Local does); DynamoDB "
                     "refreshes them about every six hours and dynalite always says 0. Live counts "
                     "are checked by the SDK and CLI tests instead",
        "TableSizeBytes": "deliberate: live, as ItemCount",
        "IndexSizeBytes": "deliberate: live, as ItemCount",
    },
    "arn_keys": ["TableArn", "IndexArn"],
}

REPEAT = "$repeat:"


def expand(v):
    if isinstance(v, str) and v.startswith(REPEAT):
        count, unit = v[len(REPEAT):].split(":", 1)
        return unit * int(count)
    if isinstance(v, list):
        return [expand(x) for x in v]
    if isinstance(v, dict):
        return {k: expand(x) for k, x in v.items()}
    return v


def strip(reply):
    def walk(v):
        if isinstance(v, dict):
            out = {}
            for k, x in v.items():
                if k in STRIP["remove"]:
                    continue
                if k in STRIP["arn_keys"] and isinstance(x, str):
                    x = normalize_arn(x)
                out[k] = walk(x)
            return out
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    if not isinstance(reply, dict):
        return reply
    return {k: (walk(x) if k in STRIP["scopes"] else x) for k, x in reply.items()}


def normalize_arn(arn):
    parts = arn.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn":
        parts[3], parts[4] = "REGION", "ACCOUNT"
        return ":".join(parts)
    return arn


class Fatal(Exception):
    pass


class Dynalite:
    def __init__(self, cli, deadline):
        node = shutil.which("node")
        if node is None:
            raise Fatal("node not found on PATH")
        if not os.path.exists(cli):
            raise Fatal("dynalite not found at %s (use --dynalite or $DYNALITE_CLI)" % cli)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.deadline = deadline
        self.proc = subprocess.Popen(
            [node, cli, "--host", "127.0.0.1", "--port", str(self.port),
             "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0"],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        start = time.time()
        while True:
            if self.proc.poll() is not None:
                raise Fatal("dynalite exited at start: " + self.proc.stderr.read().decode(errors="replace"))
            try:
                c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                c.request("GET", "/")
                if c.getresponse().status == 200:
                    c.close()
                    break
            except OSError:
                pass
            if time.time() - start > 15:
                raise Fatal("dynalite did not start within 15s")
            time.sleep(0.05)
        self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def call(self, op, raw):
        if time.time() > self.deadline:
            raise Fatal("time limit reached")
        data = raw.encode("utf-8")
        headers = {
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810." + op,
            "Authorization": AUTH,
            "X-Amz-Date": "20260101T000000Z",
            "Content-Length": str(len(data)),
        }
        for attempt in range(2):
            try:
                self.conn.request("POST", "/", body=data, headers=headers)
                res = self.conn.getresponse()
                return res.status, res.read().decode("utf-8")
            except (http.client.HTTPException, OSError) as e:
                self.conn.close()
                if self.proc.poll() is not None:
                    raise Fatal("dynalite died during %s %s: %s" % (op, raw[:200], self.proc.stderr.read().decode(errors="replace")[-2000:]))
                if attempt == 1:
                    raise Fatal("request failed: %s" % e)
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def call_json(self, op, body):
        status, text = self.call(op, json.dumps(body, separators=(",", ":"), ensure_ascii=False))
        return status, json.loads(text) if text else None

    def wait_table(self, name, gone):
        """Polls DescribeTable until the table is ACTIVE (or gone)."""
        start = time.time()
        while time.time() - start < 10:
            status, reply = self.call_json("DescribeTable", {"TableName": name})
            if gone and status == 400 and reply.get("__type", "").endswith("ResourceNotFoundException"):
                return
            if not gone and status == 200:
                t = reply["Table"]
                if t["TableStatus"] == "ACTIVE" and all(g.get("IndexStatus") == "ACTIVE" for g in t.get("GlobalSecondaryIndexes", [])):
                    return
            time.sleep(0.01)
        raise Fatal("table %s did not become %s" % (name, "gone" if gone else "ACTIVE"))

    def stop(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


def record_step(d, step):
    op, body = step["op"], step["body"]
    raw = body if isinstance(body, str) else json.dumps(expand(body), separators=(",", ":"), ensure_ascii=False)
    status, text = d.call(op, raw)
    out = {"op": op, "note": step["note"], "status": status}
    try:
        reply = json.loads(text) if text else None
    except ValueError:
        raise Fatal("reply to %s is not JSON: %r" % (op, text[:200]))
    if status == 200:
        out["body"] = strip(reply)
        if op in ("CreateTable", "UpdateTable") and isinstance(body, dict):
            d.wait_table(body["TableName"], gone=False)
        elif op == "DeleteTable" and isinstance(body, dict):
            d.wait_table(body["TableName"], gone=True)
    else:
        out["type"] = reply.get("__type") if isinstance(reply, dict) else None
        if isinstance(reply, dict) and "message" in reply:
            out["message_field"], out["message"] = "message", reply["message"]
        elif isinstance(reply, dict) and "Message" in reply:
            out["message_field"], out["message"] = "Message", reply["Message"]
    return out


def dynalite_version(cli):
    try:
        with open(os.path.join(os.path.dirname(cli), "package.json")) as f:
            return json.load(f).get("version")
    except (OSError, ValueError):
        return None


def write_golden(golden):
    # One step per line so that a re-recording shows up as a readable diff.
    lines = ["{"]
    for k in ["comment", "dynalite_version", "cases_sha256", "strip"]:
        lines.append("  %s: %s," % (json.dumps(k), json.dumps(golden[k], ensure_ascii=False, sort_keys=True)))
    lines.append('  "scenarios": [')
    for i, sc in enumerate(golden["scenarios"]):
        lines.append('    {"name": %s, "steps": [' % json.dumps(sc["name"]))
        for j, st in enumerate(sc["steps"]):
            lines.append("      " + json.dumps(st, ensure_ascii=False, sort_keys=True) + ("," if j < len(sc["steps"]) - 1 else ""))
        lines.append("    ]}" + ("," if i < len(golden["scenarios"]) - 1 else ""))
    lines.append("  ]")
    lines.append("}")
    tmp = GOLDEN + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    json.load(open(tmp, encoding="utf-8"))  # must be valid JSON
    os.replace(tmp, GOLDEN)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dynalite", default=os.environ.get("DYNALITE_CLI", DEFAULT_CLI), help="path to dynalite's cli.js")
    ap.add_argument("--timeout", type=float, default=600, help="overall time limit in seconds")
    args = ap.parse_args()

    with open(CASES, "rb") as f:
        cases_bytes = f.read()
    cases = json.loads(cases_bytes.decode("utf-8"))
    deadline = time.time() + args.timeout
    d = Dynalite(args.dynalite, deadline)
    golden = {
        "comment": "Recorded from dynalite by record.py; do not edit. Regenerate: python3 protocol/dynamodb/testdata/differential/record.py",
        "dynalite_version": dynalite_version(args.dynalite),
        "cases_sha256": hashlib.sha256(cases_bytes).hexdigest(),
        "strip": STRIP,
        "scenarios": [],
    }
    nsteps = 0
    try:
        for sc in cases:
            status, reply = d.call_json("ListTables", {})
            if status != 200 or reply["TableNames"]:
                raise Fatal("before scenario %s: tables left over: %s" % (sc["name"], reply))
            steps = [record_step(d, st) for st in sc["steps"]]
            nsteps += len(steps)
            golden["scenarios"].append({"name": sc["name"], "steps": steps})
        status, reply = d.call_json("ListTables", {})
        if status != 200 or reply["TableNames"]:
            raise Fatal("after the last scenario: tables left over: %s" % reply)
    finally:
        d.stop()
    write_golden(golden)
    print("recorded %d scenarios, %d steps into %s" % (len(cases), nsteps, os.path.relpath(GOLDEN)))


if __name__ == "__main__":
    try:
        main()
    except Fatal as e:
        print("record.py: " + str(e), file=sys.stderr)
        sys.exit(1)
