#!/bin/sh
# A queue worker stand-in: a job every two seconds; every fifth one fails
# (on stderr).
trap 'echo "worker: stopping"; exit 0' INT TERM
echo "worker: waiting for jobs on queue '${QUEUE:-default}'"
n=0
while :; do
	n=$((n + 1))
	echo "worker: job $n started"
	sleep 2 &
	wait $!
	if [ $((n % 5)) -eq 0 ]; then
		echo "worker: job $n failed: timeout talking to the mail server" >&2
	else
		echo "worker: job $n done"
	fi
done
