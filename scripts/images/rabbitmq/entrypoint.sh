#!/bin/sh
# Entrypoint of the offline-built RabbitMQ image (scripts/oci-image.sh rabbitmq). Honours the
# variables of the official image that Aspire's AddRabbitMQ sets: RABBITMQ_DEFAULT_USER and
# RABBITMQ_DEFAULT_PASS. Runs the node in the foreground as the rabbitmq user.
set -eu
base=/var/lib/rabbitmq
mkdir -p "$base/mnesia" /etc/rabbitmq
cat > /etc/rabbitmq/rabbitmq.conf <<CONF
listeners.tcp.default = 5672
loopback_users = none
default_user = ${RABBITMQ_DEFAULT_USER:-guest}
default_pass = ${RABBITMQ_DEFAULT_PASS:-guest}
CONF
chown -R rabbitmq:rabbitmq "$base"
export RABBITMQ_NODENAME="${RABBITMQ_NODENAME:-rabbit@localhost}"
export HOME="$base" RABBITMQ_MNESIA_BASE="$base/mnesia" RABBITMQ_LOG_BASE="$base/log" RABBITMQ_LOGS=-
exec setpriv --reuid=rabbitmq --regid=rabbitmq --init-groups -- /usr/lib/rabbitmq/bin/rabbitmq-server "$@"
