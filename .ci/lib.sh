# Shared by the .ci/e2e-*.sh scripts: build dynacache into a work directory,
# start it in the background, find the addresses it prints, stop it on exit.

# setup: a work directory ($work) with the binary ($bin), removed on exit
# with the server.
setup() {
  work=$(mktemp -d)
  bin="$work/dynacache"
  go build -o "$bin" ./cmd/dynacache
  pid=""
  trap 'if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT
}

# start ARGS...: runs the binary with ARGS in the background, output in
# $work/server.log.
start() {
  log="$work/server.log"
  "$bin" "$@" >"$log" 2>&1 &
  pid=$!
}

# addr_of PATTERN: the address the server printed, as the first \(...\)
# group of the sed PATTERN, waiting up to 10 s; fails with the log if none.
addr_of() {
  local a=""
  for _ in $(seq 1 100); do
    a=$(sed -n "s|$1|\1|p" "$log" | head -1)
    [ -n "$a" ] && break
    sleep 0.1
  done
  [ -n "$a" ] || { echo "server did not print [$1]:" >&2; cat "$log" >&2; exit 1; }
  echo "$a"
}

fail() { echo "FAIL: $*"; exit 1; }
