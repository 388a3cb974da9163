#!/usr/bin/env bash
# Several gateway instances on one machine, as in production: PostgreSQL (the store), Redis (the relay between
# instances), three gateways and HAProxy in front (round robin; SignalR sticky by cookie). Everything runs as plain
# processes on loopback ports, its state under one folder.
#
#   build/cluster.sh up              install what is missing, start what is not running, print the URLs
#   build/cluster.sh down [--purge]  stop what it started; --purge also deletes the data (the whole state folder)
#   build/cluster.sh status          what runs
#
# Environment (all optional):
#   CLUSTER_STATE_DIR      state folder (default .cluster at the repository root)
#   CLUSTER_PUBLISHED      an already published gateway folder to run instead of publishing into the state folder
#   CLUSTER_PG_PORT        PostgreSQL (default 55432)      CLUSTER_REDIS_PORT    Redis (default 56379)
#   CLUSTER_HTTP_PORT      HAProxy (default 5080)
#   CLUSTER_GATEWAY_PORTS  the instances' HTTP ports (default "5081 5082 5083")
#   CLUSTER_REPLY_PORTS    their ZeroMQ REP ports (default "8081 8082 8083")
#   CLUSTER_PUBLISH_PORTS  their ZeroMQ PUB ports (default "5001 5002 5003")
#   CLUSTER_TIMEOUT        seconds to wait for each component to be ready (default 60)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
state=$(realpath -m "${CLUSTER_STATE_DIR:-$root/.cluster}")
pg_port=${CLUSTER_PG_PORT:-55432}
redis_port=${CLUSTER_REDIS_PORT:-56379}
http_port=${CLUSTER_HTTP_PORT:-5080}
read -r -a gateway_ports <<<"${CLUSTER_GATEWAY_PORTS:-5081 5082 5083}"
read -r -a reply_ports <<<"${CLUSTER_REPLY_PORTS:-8081 8082 8083}"
read -r -a publish_ports <<<"${CLUSTER_PUBLISH_PORTS:-5001 5002 5003}"
timeout=${CLUSTER_TIMEOUT:-60}
instances=${#gateway_ports[@]}
database=messagequeue

pg_dir=$state/postgres
redis_dir=$state/redis
haproxy_dir=$state/haproxy

# PostgreSQL refuses to run as root: its programs run as the postgres user then, and it owns its folder.
as_postgres() {
    if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_bin() {
    # Debian installs each major version side by side; take the newest.
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [ -n "$dir" ] || { echo "PostgreSQL is not installed." >&2; exit 1; }
    echo "$dir"
}

# A pid file whose process still runs.
alive() {
    [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null
}

# Polls a command until it succeeds or the timeout passes.
wait_for() {
    local what=$1 deadline=$((SECONDS + timeout))
    shift
    until "$@" >/dev/null 2>&1; do
        if [ $SECONDS -ge $deadline ]; then
            echo "$what did not become ready within ${timeout}s." >&2
            return 1
        fi
        sleep 0.2
    done
}

install_missing() {
    local missing=()
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || missing+=(postgresql)
    command -v redis-server >/dev/null || missing+=(redis-server)
    command -v haproxy >/dev/null || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
    if [ ${#missing[@]} -gt 0 ]; then
        echo "Installing ${missing[*]}..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq "${missing[@]}" >/dev/null
    fi
}

published() {
    if [ -n "${CLUSTER_PUBLISHED:-}" ]; then
        realpath "$CLUSTER_PUBLISHED"
        return
    fi
    # Published once: a later `up` reuses it (delete .cluster/publish, or --purge, to publish the current code).
    if [ ! -f "$state/publish/MessageQueue.Gateway.dll" ]; then
        echo "Publishing the gateway into $state/publish..." >&2
        "$root/build/publish.sh" "$state/publish" >&2
    fi
    echo "$state/publish"
}

start_postgres() {
    local bin
    bin=$(pg_bin)
    if [ ! -f "$pg_dir/data/PG_VERSION" ]; then
        mkdir -p "$pg_dir/socket"
        if [ "$(id -u)" -eq 0 ]; then
            chown -R postgres:postgres "$pg_dir"
            # The postgres user must pass through the state folder (a private temp folder, say) to reach its own.
            chmod a+x "$state"
        fi
        as_postgres "$bin/initdb" -D "$pg_dir/data" -A trust -U postgres -E UTF8 --locale=C --no-instructions >"$pg_dir/initdb.log"
    fi
    # Rewritten at every start (the last setting in postgresql.conf wins), so a new port takes effect.
    as_postgres tee "$pg_dir/data/postgresql.auto.conf" >/dev/null <<EOF
port = $pg_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg_dir/socket'
max_connections = 200
EOF
    if ! pg_running; then
        # On failure, the reason (a port taken, say) is in the server's log, not in pg_ctl's message.
        as_postgres "$bin/pg_ctl" start -D "$pg_dir/data" -l "$pg_dir/postgresql.log" -w -t "$timeout" >/dev/null ||
            { tail -n 5 "$pg_dir/postgresql.log" >&2; exit 1; }
    fi
    wait_for "PostgreSQL" pg_isready -h 127.0.0.1 -p "$pg_port" -U postgres
    # The gateway creates its tables, not the database.
    if [ -z "$(psql -h 127.0.0.1 -p "$pg_port" -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$database'")" ]; then
        createdb -h 127.0.0.1 -p "$pg_port" -U postgres "$database"
    fi
}

# pg_ctl status rather than the pid file: a crashed server leaves its pid file behind.
pg_running() {
    [ -f "$pg_dir/data/PG_VERSION" ] && as_postgres "$(pg_bin)/pg_ctl" status -D "$pg_dir/data" >/dev/null 2>&1
}

redis_ping() {
    [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ]
}

start_redis() {
    mkdir -p "$redis_dir"
    if ! alive "$redis_dir/redis.pid"; then
        # Nothing persisted: the bus carries news, PostgreSQL holds the truth.
        redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --dir "$redis_dir" \
            --pidfile "$redis_dir/redis.pid" --logfile "$redis_dir/redis.log" --daemonize yes
    fi
    wait_for "Redis" redis_ping
}

gateway_ready() {
    curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$1/health/ready"
}

start_gateways() {
    local app=$1 i n dir
    for ((i = 0; i < instances; i++)); do
        n=$((i + 1))
        dir=$state/gw-$n
        mkdir -p "$dir"
        alive "$dir/gateway.pid" && continue
        # setsid: the instance outlives this script and the terminal. Its own working directory keeps relative paths
        # apart; the content root (the dashboard's files) is the published folder.
        (
            cd "$dir"
            ASPNETCORE_CONTENTROOT="$app" \
            Store__Provider=PostgreSQL \
            ConnectionStrings__MessageQueue="Host=127.0.0.1;Port=$pg_port;Database=$database;Username=postgres" \
            Bus__Redis="127.0.0.1:$redis_port" \
            Instance__Name="gw-$n" \
            Urls="http://127.0.0.1:${gateway_ports[$i]}" \
            Zmq__ReplyEndpoint="tcp://127.0.0.1:${reply_ports[$i]}" \
            Zmq__PublishEndpoint="tcp://127.0.0.1:${publish_ports[$i]}" \
            Email__PickupDirectory="$state/mail" \
            Email__KeysDirectory="$state/keys" \
            exec setsid dotnet "$app/MessageQueue.Gateway.dll" >"$dir/gateway.log" 2>&1 </dev/null
        ) &
        echo $! >"$dir/gateway.pid"
    done
    # Started together (they wait for one another on the migration lock), then each must answer ready.
    for ((i = 0; i < instances; i++)); do
        n=$((i + 1))
        if ! wait_for "Gateway gw-$n" gateway_ready "${gateway_ports[$i]}"; then
            tail -n 20 "$state/gw-$n/gateway.log" >&2 || true
            return 1
        fi
    done
}

haproxy_config() {
    local i n servers="" hubs=""
    for ((i = 0; i < instances; i++)); do
        n=$((i + 1))
        servers+="    server gw-$n 127.0.0.1:${gateway_ports[$i]} check"$'\n'
        hubs+="    server gw-$n 127.0.0.1:${gateway_ports[$i]} cookie gw-$n track rest/gw-$n"$'\n'
    done
    # The configuration the tests prove (tests/MessageQueue.Tests/Infrastructure/HaProxy.cs), with these ports.
    cat <<EOF
global
    maxconn 4096
    stats socket $haproxy_dir/admin.sock level admin

defaults
    mode http
    # A request to an instance that refuses the connection is retried on another at once.
    option redispatch 1
    retries 2
    timeout connect 2s
    timeout http-request 10s
    timeout http-keep-alive 10s
    # Event streams and WebSockets stay open for long without a byte.
    timeout client 1h
    timeout server 1h
    timeout tunnel 1h
    timeout client-fin 5s
    timeout server-fin 5s
    timeout check 2s
    default-server inter 1s fall 2 rise 1

frontend gateways
    bind 127.0.0.1:$http_port
    monitor-uri /haproxy/ready
    use_backend hubs if { path_beg /hubs/ }
    default_backend rest

backend rest
    balance roundrobin
    option httpchk
    http-check send meth GET uri /health/live ver HTTP/1.1 hdr Host 127.0.0.1
    http-check expect status 200
    http-response set-header X-Served-By %[srv_name]
$servers
backend hubs
    # SignalR's negotiate and the connection it opens next must reach the same instance.
    balance roundrobin
    cookie MQSERVER insert indirect nocache httponly
    http-response set-header X-Served-By %[srv_name]
$hubs
EOF
}

start_haproxy() {
    mkdir -p "$haproxy_dir"
    if ! alive "$haproxy_dir/haproxy.pid"; then
        haproxy_config >"$haproxy_dir/haproxy.cfg"
        haproxy -c -q -f "$haproxy_dir/haproxy.cfg"
        haproxy -D -p "$haproxy_dir/haproxy.pid" -f "$haproxy_dir/haproxy.cfg"
    fi
    wait_for "HAProxy" curl -fsS -o /dev/null --max-time 2 "http://127.0.0.1:$http_port/haproxy/ready"
}

print_urls() {
    local i
    echo "Dashboard (through HAProxy): http://127.0.0.1:$http_port/"
    echo "Swagger (through HAProxy):   http://127.0.0.1:$http_port/swagger"
    for ((i = 0; i < instances; i++)); do
        echo "gw-$((i + 1)): http://127.0.0.1:${gateway_ports[$i]}/  ZeroMQ REQ tcp://127.0.0.1:${reply_ports[$i]}  SUB tcp://127.0.0.1:${publish_ports[$i]}"
    done
    echo "PostgreSQL: Host=127.0.0.1;Port=$pg_port;Database=$database;Username=postgres  Redis: 127.0.0.1:$redis_port"
    echo "State and logs: $state"
}

up() {
    local app started=$SECONDS
    [ ${#reply_ports[@]} -eq "$instances" ] && [ ${#publish_ports[@]} -eq "$instances" ] ||
        { echo "CLUSTER_GATEWAY_PORTS, CLUSTER_REPLY_PORTS and CLUSTER_PUBLISH_PORTS must name as many ports each." >&2; exit 2; }
    install_missing
    mkdir -p "$state/mail" "$state/keys"
    # Ports and paths that are written into the configuration, kept apart from what git tracks.
    app=$(published)
    start_postgres
    start_redis
    start_gateways "$app"
    start_haproxy
    print_urls
    echo "Up in $((SECONDS - started))s."
}

# Sends SIGTERM and waits (bounded) for the process to end.
stop_pid_file() {
    local file=$1 pid deadline
    if alive "$file"; then
        pid=$(cat "$file")
        kill -TERM "$pid" 2>/dev/null || true
        deadline=$((SECONDS + 20))
        while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$file"
}

down() {
    local dir
    [ -d "$state" ] || { echo "Nothing in $state."; return; }
    stop_pid_file "$haproxy_dir/haproxy.pid"
    for dir in "$state"/gw-*; do
        [ -d "$dir" ] && stop_pid_file "$dir/gateway.pid"
    done
    stop_pid_file "$redis_dir/redis.pid"
    if pg_running; then
        as_postgres "$(pg_bin)/pg_ctl" stop -D "$pg_dir/data" -m fast -w >/dev/null
    fi
    if [ "${1:-}" = --purge ]; then
        rm -rf "$state"
        echo "Stopped; $state deleted."
    else
        echo "Stopped; data kept in $state (down --purge deletes it)."
    fi
}

status() {
    local dir running=0
    report() { if "${@:2}"; then echo "$1: running"; running=$((running + 1)); else echo "$1: stopped"; fi; }
    report "PostgreSQL" pg_running
    report "Redis" alive "$redis_dir/redis.pid"
    for dir in "$state"/gw-*; do
        [ -d "$dir" ] && report "$(basename "$dir")" alive "$dir/gateway.pid"
    done
    report "HAProxy" alive "$haproxy_dir/haproxy.pid"
    echo "$running running; state in $state"
}

case "${1:-}" in
    up) up ;;
    down) down "${2:-}" ;;
    status) status ;;
    *) echo "usage: $0 up | down [--purge] | status" >&2; exit 2 ;;
esac
