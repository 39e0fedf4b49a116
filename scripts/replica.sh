#!/usr/bin/env bash
# A PostgreSQL streaming replica of the machine's primary, on the same machine: a second
# cluster made with pg_basebackup that replays the primary's WAL as it is written.
#
#   scripts/replica.sh [start]   configure the primary for replication (once), make the replica
#                                if it does not exist, start it and wait until it streams
#   scripts/replica.sh stop      stop the replica (the primary goes on)
#   scripts/replica.sh status    exit 0 when the replica streams from the primary
#   scripts/replica.sh remove    stop the replica and delete its files
#
# Every step is idempotent. PRIMARY_PORT (5432), REPLICA_PORT (5433) and REPLICA_DIR
# (/var/lib/postgresql/archive-replica) change where things are. Run it as root or as the
# postgres user; it needs the machine's PostgreSQL server packages (Debian's are enough).
set -euo pipefail

PRIMARY_PORT=${PRIMARY_PORT:-5432}
REPLICA_PORT=${REPLICA_PORT:-5433}
REPLICA_DIR=${REPLICA_DIR:-/var/lib/postgresql/archive-replica}
NAME=archive_replica
VERSION=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
BIN=${PG_BIN:-/usr/lib/postgresql/$VERSION/bin}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
primary() { psql -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres -X -qtAc "$1"; }
replica() { psql -h 127.0.0.1 -p "$REPLICA_PORT" -U postgres -X -qtAc "$1" postgres; }
running() { as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" status >/dev/null 2>&1; }
streaming() {
  [ "$(primary "SELECT count(*) FROM pg_stat_replication
                WHERE application_name = '$NAME' AND state = 'streaming'" 2>/dev/null)" = 1 ] &&
    [ "$(replica "SELECT pg_is_in_recovery()" 2>/dev/null)" = t ]
}

configure_primary() {
  # wal_level and wal senders take a restart; PostgreSQL's defaults (replica, 10) suffice,
  # so this only restarts a primary that was configured without replication.
  local restart=
  if [ "$(primary "SHOW wal_level")" = minimal ]; then
    primary "ALTER SYSTEM SET wal_level = replica"
    restart=1
  fi
  if [ "$(primary "SHOW max_wal_senders")" -lt 2 ]; then
    primary "ALTER SYSTEM SET max_wal_senders = 10"
    restart=1
  fi
  # Keep enough WAL for a replica stopped for a while (a test stops it) to catch up.
  if [ "$(primary "SELECT setting::int FROM pg_settings WHERE name = 'wal_keep_size'")" -lt 256 ]; then
    primary "ALTER SYSTEM SET wal_keep_size = '256MB'"
    primary "SELECT pg_reload_conf()" >/dev/null
  fi
  # Replication connections need an entry of their own in pg_hba.conf ("all" does not
  # cover them): trust from loopback, as the machine trusts its other local connections.
  local allowed
  allowed=$(primary "SELECT count(*) FROM pg_hba_file_rules
                     WHERE 'replication' = ANY(database) AND auth_method = 'trust'
                       AND type = 'host' AND address = '127.0.0.1'")
  if [ "$allowed" = 0 ]; then
    local hba
    hba=$(primary "SHOW hba_file")
    printf '\n# Streaming replica on this machine (scripts/replica.sh)\nhost replication all 127.0.0.1/32 trust\n' >>"$hba"
    primary "SELECT pg_reload_conf()" >/dev/null
  fi
  if [ -n "$restart" ]; then
    echo "Restarting the primary to enable replication."
    pg_ctlcluster --skip-systemctl-redirect "$VERSION" main restart
  fi
}

make_replica() {
  echo "Making the replica in $REPLICA_DIR from the primary on port $PRIMARY_PORT."
  rm -rf "$REPLICA_DIR"
  install -d -m 700 -o postgres -g postgres "$REPLICA_DIR" 2>/dev/null || install -d -m 700 "$REPLICA_DIR"
  as_postgres "$BIN/pg_basebackup" -h 127.0.0.1 -p "$PRIMARY_PORT" -U postgres \
    -D "$REPLICA_DIR" --wal-method=stream --checkpoint=fast
  # A hot standby needs at least the primary's values of these.
  local limits=""
  for setting in max_connections max_worker_processes max_wal_senders \
    max_prepared_transactions max_locks_per_transaction; do
    limits+="$setting = $(primary "SHOW $setting")"$'\n'
  done
  as_postgres tee "$REPLICA_DIR/postgresql.conf" >/dev/null <<CONF
# Written by scripts/replica.sh: a hot standby streaming from the primary.
port = $REPLICA_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '/var/run/postgresql'
hot_standby = on
# Tell the primary which rows the replica's queries still read, so that vacuum on the
# primary never cancels a listing running on the replica.
hot_standby_feedback = on
primary_conninfo = 'host=127.0.0.1 port=$PRIMARY_PORT user=postgres application_name=$NAME'
$limits
CONF
  as_postgres tee "$REPLICA_DIR/pg_hba.conf" >/dev/null <<HBA
local all all trust
host all all 127.0.0.1/32 trust
HBA
  as_postgres touch "$REPLICA_DIR/standby.signal"
}

start() {
  configure_primary
  if ! running && [ ! -f "$REPLICA_DIR/standby.signal" ]; then make_replica; fi
  running || as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/replica.log" -w -t 60 start >/dev/null
  for _ in $(seq 30); do
    if streaming; then
      echo "The replica on port $REPLICA_PORT streams from the primary on port $PRIMARY_PORT."
      return 0
    fi
    sleep 1
  done
  # A replica stopped for longer than the primary keeps WAL cannot catch up: make it again.
  echo "The replica does not stream; making it again." >&2
  as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null || true
  make_replica
  as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -l "$REPLICA_DIR/replica.log" -w -t 60 start >/dev/null
  for _ in $(seq 30); do streaming && { echo "The replica streams."; return 0; }; sleep 1; done
  echo "The replica does not stream; see $REPLICA_DIR/replica.log" >&2
  return 1
}

stop() {
  if running; then as_postgres "$BIN/pg_ctl" -D "$REPLICA_DIR" -m fast -w stop >/dev/null; fi
  echo "The replica on port $REPLICA_PORT is stopped."
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  status) streaming ;;
  remove) stop && rm -rf "$REPLICA_DIR" ;;
  *) echo "usage: $0 [start|stop|status|remove]" >&2; exit 2 ;;
esac
