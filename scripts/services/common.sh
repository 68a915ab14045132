# Shared by the loopback test servers (sourced, not run).

# A daemon must not inherit the caller's descriptors: a test runner that waits for the start
# script through a pipe would otherwise wait for the daemon too.
close_inherited_fds() {
  local fd
  for fd in /proc/$$/fd/*; do
    fd=${fd##*/}
    [[ $fd -gt 2 ]] && eval "exec $fd>&-" 2>/dev/null || true
  done
}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

# apt-installs the packages when COMMAND is missing.
need() {
  local command=$1; shift
  command -v "$command" >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# A throwaway CA and a server certificate for localhost/127.0.0.1 in DIR: ca.pem, server.pem, server.key.
make_tls() {
  local dir=$1
  mkdir -p "$dir"
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=EnerTrack test CA" \
    -keyout "$dir/ca.key" -out "$dir/ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$dir/server.key" -out "$dir/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >"$dir/san.ext"
  openssl x509 -req -in "$dir/server.csr" -CA "$dir/ca.pem" -CAkey "$dir/ca.key" -CAcreateserial \
    -days 2 -extfile "$dir/san.ext" -out "$dir/server.pem" 2>/dev/null
}

# Sends SIGTERM to the pid in PIDFILE and waits until it is gone (a zombie still answers kill -0).
stop_pidfile() {
  local pidfile=$1 pid
  [[ -f "$pidfile" ]] || return 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 200); do
    [[ -e /proc/$pid ]] || break
    [[ "$(awk '{print $3}' /proc/$pid/stat 2>/dev/null)" == Z ]] && break
    sleep 0.05
  done
  rm -f "$pidfile"
}

# Runs a daemon with an empty signal mask and default dispositions (scripts/services/clean-exec).
# Use it only in the background (`clean_signals daemon ... &`): it execs, so $! is the daemon's pid.
clean_signals() {
  exec "$(dirname "${BASH_SOURCE[0]}")/clean-exec" "$@"
}
