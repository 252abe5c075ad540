#!/bin/sh
# A database stand-in: a slow start, the line its dependents wait for,
# then a checkpoint now and then until it is told to stop.
trap 'echo "db: received a stop request, shutting down"; exit 0' INT TERM
echo "db: starting (data in ${DB_DATA:-./data})"
sleep 2
echo "db: database system is ready to accept connections on port ${DB_PORT:-5432}"
n=0
while :; do
	sleep 5 &
	wait $!
	n=$((n + 1))
	echo "db: checkpoint $n complete"
done
